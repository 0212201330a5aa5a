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
		Caches: cachesOrDefaults(cpuid.CPU.Cache.L1D, cpuid.CPU.Cache.L2, cpuid.CPU.Cache.L3),
	}
	c.Supported = append(simdISAs(), Generic)
	return c
}

// cachesOrDefaults returns the cache sizes cpuid reported, each replaced by its default
// where cpuid has none (0, or -1 for unknown).
func cachesOrDefaults(l1d, l2, l3 int) Caches {
	return Caches{L1D: positiveOr(l1d, defaultL1D), L2: positiveOr(l2, defaultL2), L3: positiveOr(l3, defaultL3)}
}

func positiveOr(v, fallback int) int {
	if v > 0 {
		return v
	}
	return fallback
}
