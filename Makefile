# simdnn: `make test` is what CI runs (through .ci/run); `make bench` prints the GFLOPS table.
GO      ?= go
ISAS    ?= $(shell $(GO) run ./internal/cmd/isas)
FUZZTIME ?= 30s
QEMU    ?= qemu-aarch64-static
FUZZ_TARGETS = $(shell grep -ho '^func Fuzz\w*' kernels/*_test.go | cut -d' ' -f2)

.PHONY: test vet unit isas threads race purego generators generate check-generate fuzz arm64 arm64-fuzz bench platforms bench-full

## test: everything CI checks on this machine: vet, every ISA, race, purego, fresh generated code,
## and that every platform users build for compiles.
test: vet unit isas threads race purego generators check-generate platforms

vet:
	$(GO) vet ./...
	$(GO) vet -tags purego ./...
	GOARCH=arm64 $(GO) vet ./...
	GOARCH=arm64 $(GO) vet -tags purego ./...
	GOARCH=386 $(GO) vet ./...
	$(GO) -C bench vet ./...

# Every platform users build for: vet and the test binaries, with and without purego.
# Only linux/amd64 and linux/arm64 (under qemu) run here; the others must at least build.
PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64
platforms:
	@out=$$(mktemp -d); trap 'rm -rf $$out' EXIT; \
	for p in $(PLATFORMS); do for tags in "" purego; do \
		echo "GOOS/GOARCH=$$p $${tags:+-tags $$tags}"; \
		GOOS=$${p%/*} GOARCH=$${p#*/} $(GO) vet $${tags:+-tags $$tags} ./... && \
		GOOS=$${p%/*} GOARCH=$${p#*/} $(GO) test -c -o $$out/ $${tags:+-tags $$tags} ./... >/dev/null || exit 1; \
	done; done

# The unit tests run every ISA this CPU has in one process (forEachISA)...
unit:
	$(GO) test -count=1 ./...
	$(GO) -C bench test -count=1 ./cmd/...

# ...and once per ISA through the SIMDNN_ISA override, as users select it.
isas:
	@for isa in $(ISAS); do echo "SIMDNN_ISA=$$isa"; SIMDNN_ISA=$$isa $(GO) test -count=1 -short ./kernels/ ./gonumblas/ ./keras/ || exit 1; done
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

## bench: about 3 minutes on 2 cores. The headline shapes (SHAPES) of each family (BENCH:
## Sgemm, Conv, Deconv, Dense, Concurrent), COUNT runs of BENCHTIME each: simdnn's best
## ISA and gonum on 1 thread and on every core (NPROC); the C peers (OpenBLAS, BLIS, oneDNN,
## XNNPACK) on PEER_THREADS and the FMA peak, from PEERS when its libraries are installed
## (once per machine, as root: bash ../shared/peers/run.sh install), skipped with a note when
## not. Then one GFLOPS table per family and bench/gflops.png. Raw output: bench/out.txt,
## plain go test output for benchstat, and bench/peers.txt.
## bench-full: every shape, every ISA on 1 thread, gonum's noasm build (gonum-purego), the
## peers on 1 and NPROC threads, COUNT=5 of 1s: about 20 minutes. Variables override either.
# The headline shapes: square GEMMs, a 3×3 layer's im2col GEMM and a GEMV; a ResNet stage,
# a deep 14×14 layer and the RGB stem; two decoder layers; Dense at batch 1 and 64. Only
# the start is anchored (^): a closing $ must be written $$ in make, command line included.
BENCH        ?= .
SHAPES       ?= ^(256x256x256|1024x1024x1024|3136x64x576|1x4096x4096|56x56x64-64-s1|14x14x256-256-s1|224x224x3-32-s2|28x28x128-64-s2|7x7x512-256-s2|9216x128-batch)
COUNT        ?= 3
BENCHTIME    ?= 0.3s
BENCH_ISAS   ?= best
GONUM_PUREGO ?=
NPROC        ?= $(shell nproc)
PEERS        ?= ../shared/peers/run.sh
PEER_THREADS ?= 1

bench-full: SHAPES = .
bench-full: COUNT = 5
bench-full: BENCHTIME = 1s
bench-full: BENCH_ISAS = $(ISAS)
bench-full: GONUM_PUREGO = yes
bench-full: PEER_THREADS = 1 $(NPROC)

# One test binary (per build tag) serves every run; "best" leaves SIMDNN_ISA unset.
BENCH_RUN = -test.run '^$$' -test.count $(COUNT) -test.benchtime $(BENCHTIME) -test.timeout 60m -test.bench
bench:
	@rm -f bench/out.txt bench/peers.txt
	$(GO) -C bench test -c -o bench.test .
	@cd bench && for isa in $(BENCH_ISAS); do if [ $$isa = best ]; then isa=; fi; \
		SIMDNN_ISA=$$isa GOMAXPROCS=1 ./bench.test $(BENCH_RUN) '($(BENCH))/(simdnn)/$(SHAPES)'; done | tee -a out.txt
	@cd bench && GOMAXPROCS=1 ./bench.test $(BENCH_RUN) '($(BENCH))/(gonum)/$(SHAPES)' | tee -a out.txt
	@cd bench && GOMAXPROCS=$(NPROC) ./bench.test $(BENCH_RUN) '($(BENCH))/(simdnn|gonum)/$(SHAPES)' | tee -a out.txt
	@if [ -n "$(GONUM_PUREGO)" ]; then $(GO) -C bench test -tags noasm -c -o bench-noasm.test . && cd bench && \
		GOMAXPROCS=1 ./bench-noasm.test $(BENCH_RUN) '($(BENCH))/(gonum)/$(SHAPES)' | tee -a out.txt; fi
	@if [ -f "$(PEERS)" ]; then for t in $(PEER_THREADS); do echo "# peers threads=$$t"; bash "$(PEERS)" $$t 2>&1 || \
		{ echo "# peers skipped: bash $(PEERS) failed; install its libraries once per machine, as root: bash $(PEERS) install"; break; }; done; \
	else echo "# peers skipped: $(PEERS) not found (PEERS=path/to/run.sh names it)"; fi | tee bench/peers.txt
	$(GO) -C bench run ./cmd/report -peers peers.txt -png gflops.png out.txt
	$(if $(filter .,$(SHAPES)),,@echo "Every shape and ISA, and the peers on $(NPROC) threads too: make bench-full (about 20 minutes).")
	@echo "Compare two runs (COUNT=6 or more): cp bench/out.txt old.txt, change something, make bench again, benchstat old.txt bench/out.txt"

bench-full: bench

## mca: llvm-mca's model (not a measurement) of every NEON kernel's inner loops on Neoverse
## N1, V1, V2 and Apple M1: cycles per iteration, FLOP per cycle, % of the FMA peak, and what
## binds each loop. Needs Debian's binutils-aarch64-linux-gnu and llvm-19.
.PHONY: mca
MCA_BIN ?= $(or $(TMPDIR),/tmp)/simdnn-mca-kernels.test
mca:
	GOARCH=arm64 $(GO) test -c -o $(MCA_BIN) ./kernels/
	cd asm && $(GO) run ./arm64/mca -bin $(MCA_BIN) -s ../kernels/sgemm_arm64.s
