# simdnn: `make test` is what CI runs (through .ci/run); `make bench` prints the GFLOPS table.
GO      ?= go
ISAS    ?= $(shell $(GO) run ./internal/cmd/isas)
COUNT   ?= 5
FUZZTIME ?= 30s
BENCH   ?= .
QEMU    ?= qemu-aarch64-static
FUZZ_TARGETS = $(shell grep -ho '^func Fuzz\w*' kernels/*_test.go | cut -d' ' -f2)

.PHONY: test vet unit isas threads race purego generators generate check-generate fuzz arm64 arm64-fuzz bench

## test: everything CI checks on this machine: vet, every ISA, race, purego, fresh generated code.
test: vet unit isas threads race purego generators check-generate

vet:
	$(GO) vet ./...
	$(GO) vet -tags purego ./...
	GOARCH=arm64 $(GO) vet ./...
	GOARCH=arm64 $(GO) vet -tags purego ./...
	GOARCH=386 $(GO) vet ./...

# The unit tests run every ISA this CPU has in one process (forEachISA)...
unit:
	$(GO) test -count=1 ./...

# ...and once per ISA through the SIMDNN_ISA override, as users select it.
isas:
	@for isa in $(ISAS); do echo "SIMDNN_ISA=$$isa"; SIMDNN_ISA=$$isa $(GO) test -count=1 -short ./kernels/ || exit 1; done
	GODEBUG=cpu.avx512f=off $(GO) test -count=1 -short ./kernels/

# ...and with every call split across threads (SIMDNN_TEST_THREADS: the cap, and no
# call too small to split), at caps that divide the work evenly, unevenly and beyond the
# cores; results must not depend on it.
THREADS ?= 2 3 8
threads:
	@for n in $(THREADS); do echo "SIMDNN_TEST_THREADS=$$n"; SIMDNN_TEST_THREADS=$$n $(GO) test -count=1 -short ./kernels/ || exit 1; done

race:
	SIMDNN_TEST_THREADS=3 $(GO) test -count=1 -short -race ./kernels/
	$(GO) test -count=1 -short -race ./...

purego:
	$(GO) test -count=1 -tags purego ./...
	$(GO) test -count=1 -short -tags noasm ./kernels/

# The generators' own tests (the arm64 emitter's WORD encodings against binutils).
generators:
	cd asm && $(GO) vet ./... && $(GO) test -count=1 ./...

## generate: re-emit every .s file and Go declaration from the generators in asm/.
generate:
	cd asm && $(GO) generate ./...

GENERATED = kernels/sgemm_amd64.s kernels/sgemm_amd64.go kernels/sgemm_arm64.s kernels/sgemm_arm64.go

check-generate: generate
	@git diff --exit-code --stat -- $(GENERATED) || (echo "generated code is stale: run make generate and commit" >&2; exit 1)

## fuzz: each fuzz target for FUZZTIME.
fuzz:
	@for f in $(FUZZ_TARGETS); do $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) ./kernels/ || exit 1; done

## arm64: the whole suite for GOARCH=arm64 under qemu: NEON, generic and purego.
arm64:
	GOARCH=arm64 $(GO) test -count=1 -exec $(QEMU) ./...
	SIMDNN_ISA=generic GOARCH=arm64 $(GO) test -count=1 -short -exec $(QEMU) ./kernels/
	SIMDNN_TEST_THREADS=3 GOARCH=arm64 $(GO) test -count=1 -short -exec $(QEMU) ./kernels/
	SIMDNN_TEST_THREADS=3 SIMDNN_ISA=generic GOARCH=arm64 $(GO) test -count=1 -short -exec $(QEMU) ./kernels/
	GOARCH=arm64 $(GO) test -count=1 -short -tags purego -exec $(QEMU) ./...

# Fuzz workers re-exec the test binary, so this needs binfmt_misc to run arm64 binaries.
# A count, not a duration: under emulation one slow input can outlast a time budget, which
# the fuzzer reports as a failure ("context deadline exceeded").
ARM64_FUZZ ?= 2000x
arm64-fuzz:
	@for f in $(FUZZ_TARGETS); do GOARCH=arm64 $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(ARM64_FUZZ) ./kernels/ || exit 1; done

## bench: COUNT runs of each ISA on one thread, of the best on every core (NPROC), and of
## gonum, then the median GFLOPS table.
NPROC ?= $(shell nproc)
bench:
	@rm -f bench/out.txt
	@for isa in $(ISAS); do SIMDNN_ISA=$$isa GOMAXPROCS=1 $(GO) -C bench test -run "^$$" -bench "($(BENCH))/simdnn" -count $(COUNT) -timeout 60m . | tee -a bench/out.txt; done
	@GOMAXPROCS=$(NPROC) $(GO) -C bench test -run "^$$" -bench "($(BENCH))/simdnn" -count $(COUNT) -timeout 60m . | tee -a bench/out.txt
	@GOMAXPROCS=1 $(GO) -C bench test -run "^$$" -bench "($(BENCH))/gonum" -count $(COUNT) -timeout 60m . | tee -a bench/out.txt
	@GOMAXPROCS=1 $(GO) -C bench test -tags noasm -run "^$$" -bench "($(BENCH))/gonum" -count $(COUNT) -timeout 60m . | tee -a bench/out.txt
	@$(GO) -C bench run ./cmd/gflopstable < bench/out.txt
