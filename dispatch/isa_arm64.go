//go:build !purego && !noasm

package dispatch

import "golang.org/x/sys/cpu"

// simdISAs lists the SIMD paths this CPU can run. ASIMD is mandatory on arm64, but a
// kernel that reports it absent is believed.
func simdISAs() []ISA {
	if cpu.ARM64.HasASIMD {
		return []ISA{NEON}
	}
	return nil
}
