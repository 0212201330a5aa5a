//go:build !purego && !noasm

package dispatch

import "golang.org/x/sys/cpu"

// simdISAs lists the SIMD paths this CPU can run, best first. AVX512F is tested on its
// own: GODEBUG=cpu.avx512f=off clears it but leaves AVX512BW/VL set.
func simdISAs() []ISA {
	var isas []ISA
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL && cpu.X86.HasAVX512DQ && cpu.X86.HasAVX2 && cpu.X86.HasFMA && cpu.X86.HasBMI2 {
		isas = append(isas, AVX512)
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		isas = append(isas, AVX2)
	}
	return isas
}
