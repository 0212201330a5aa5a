// Package dispatch decides, once per process, which instruction set simdnn's kernels use
// and how the GEMM driver blocks its loops for this CPU's caches.
//
// The ISA comes from golang.org/x/sys/cpu (which honours GODEBUG=cpu.avx512f=off), the
// vendor, model and cache sizes from github.com/klauspost/cpuid/v2. SIMDNN_ISA forces a
// narrower path; an ISA the CPU lacks is refused, never run.
package dispatch

import (
	"fmt"
	"os"
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

// Detected is the CPU this process runs on, filled in at package initialisation.
var Detected = detect()

// Selected is the ISA chosen from Detected and SIMDNN_ISA at initialisation. A refused
// override panics at start-up: running a path the user did not ask for would make
// benchmarks and bug reports lie.
var Selected = mustChoose(Detected, os.Getenv(EnvVar))

func mustChoose(c CPU, override string) ISA {
	isa, err := c.Choose(override)
	if err != nil {
		panic(err)
	}
	return isa
}
