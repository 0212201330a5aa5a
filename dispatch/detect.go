package dispatch

import "github.com/klauspost/cpuid/v2"

// Fallback cache sizes for CPUs where cpuid reports none (common on arm64): a
// conservative modern core.
const (
	defaultL1D = 32 << 10
	defaultL2  = 1 << 20
	defaultL3  = 8 << 20
)

func detect() CPU {
	c := CPU{
		Vendor: cpuid.CPU.VendorString,
		Family: cpuid.CPU.Family,
		Model:  cpuid.CPU.Model,
		Caches: Caches{
			L1D: positiveOr(cpuid.CPU.Cache.L1D, defaultL1D),
			L2:  positiveOr(cpuid.CPU.Cache.L2, defaultL2),
			L3:  positiveOr(cpuid.CPU.Cache.L3, defaultL3),
		},
	}
	c.Supported = append(simdISAs(), Generic)
	return c
}

func positiveOr(v, fallback int) int {
	if v > 0 {
		return v
	}
	return fallback
}
