// Package dispatch is an internal part of simdnn: it detects the CPU, decides once per
// process which instruction set simdnn's kernels use, and chooses how the GEMM driver
// blocks its loops for this CPU's caches. Users call package kernels, which reports the
// choice as kernels.ISA; nothing here needs calling. The package is importable for
// simdnn's own commands and tests, and its API may change in any release.
//
// The ISA comes from golang.org/x/sys/cpu (which honours GODEBUG=cpu.avx512f=off), the
// vendor, model and cache sizes from github.com/klauspost/cpuid/v2. The SIMDNN_ISA
// environment variable (generic, avx2, avx512 or neon) forces another path the CPU can
// run; an ISA the CPU or the build lacks is refused with a panic at start-up, never run.
// Builds with the purego or noasm tag, or for other architectures, have only generic.
//
// Everything it exposes is a constant, a function or a copy: no caller can change a
// detected value, a chosen ISA or a tile size.
package dispatch

import (
	"fmt"
	"os"
	"slices"
	"strings"
)

// ISA names an instruction-set path. The values are the strings kernels.ISA reports and
// SIMDNN_ISA accepts.
type ISA string

const (
	Generic ISA = "generic"
	AVX2    ISA = "avx2" // AVX2 + FMA3
	AVX512  ISA = "avx512"
	NEON    ISA = "neon"
)

// EnvVar is the environment variable that overrides the detected ISA.
const EnvVar = "SIMDNN_ISA"

// Caches are the data-cache sizes in bytes that the blocking is derived from.
type Caches struct {
	L1D, L2, L3 int
}

// CPU is what detection found: the ISAs this CPU can run, best first, and its caches.
type CPU struct {
	Vendor    string
	Family    int
	Model     int
	Supported []ISA // always ends with Generic
	Caches    Caches
}

// Has reports whether the CPU can run isa.
func (c CPU) Has(isa ISA) bool {
	for _, s := range c.Supported {
		if s == isa {
			return true
		}
	}
	return false
}

// Choose returns the ISA to use: the best supported one, or override when it is set
// (the value of SIMDNN_ISA). An unknown name, or an ISA this CPU cannot run, is an error
// that says what the CPU offers.
func (c CPU) Choose(override string) (ISA, error) {
	if override == "" {
		return c.Supported[0], nil
	}
	want := ISA(strings.ToLower(strings.TrimSpace(override)))
	switch want {
	case Generic, AVX2, AVX512, NEON:
	default:
		return "", fmt.Errorf("simdnn: %s=%q is not an ISA (want one of generic, avx2, avx512, neon)", EnvVar, override)
	}
	if !c.Has(want) {
		return "", fmt.Errorf("simdnn: %s=%s, but this CPU (or build) supports only %v", EnvVar, want, c.Supported)
	}
	return want, nil
}

// detected is the CPU this process runs on and selected the ISA chosen from it and
// SIMDNN_ISA, both fixed at package initialisation and reached only through
// DetectedCPU and SelectedISA, so that nothing outside this package can change them.
var (
	detected = detect()
	// A refused override panics at start-up: running a path the user did not ask for
	// would make benchmarks and bug reports lie.
	selected = mustChoose(detected, os.Getenv(EnvVar))
)

// DetectedCPU returns the CPU this process runs on, as detected at package
// initialisation. The result is a copy: changing it changes nothing here.
func DetectedCPU() CPU {
	c := detected
	c.Supported = slices.Clone(detected.Supported)
	return c
}

// SelectedISA returns the ISA chosen at package initialisation: the best that
// DetectedCPU supports, or the one SIMDNN_ISA names. A refused SIMDNN_ISA panics at
// start-up instead.
func SelectedISA() ISA { return selected }

func mustChoose(c CPU, override string) ISA {
	isa, err := c.Choose(override)
	if err != nil {
		panic(err)
	}
	return isa
}
