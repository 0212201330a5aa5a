package dispatch

import "testing"

// TestCacheFallback forces what cpuid gives on CPUs that report no cache sizes (0 or
// -1, common on arm64): the documented defaults stand in, and every ISA gets a blocking
// as sane as on a CPU that reports them.
func TestCacheFallback(t *testing.T) {
	defaults := Caches{L1D: defaultL1D, L2: defaultL2, L3: defaultL3}
	for _, unknown := range []int{0, -1} {
		if got := cachesOrDefaults(unknown, unknown, unknown); got != defaults {
			t.Errorf("cachesOrDefaults(%d, …) = %+v, want the defaults %+v", unknown, got, defaults)
		}
	}
	if got := cachesOrDefaults(48<<10, 0, 30<<20); got != (Caches{L1D: 48 << 10, L2: defaultL2, L3: 30 << 20}) {
		t.Errorf("a missing L2 alone: %+v", got)
	}
	for _, isa := range []ISA{AVX512, AVX2, NEON, Generic} {
		b := BlockingFor(isa, cachesOrDefaults(0, 0, 0))
		tile := TileFor(isa)
		if b.MR != tile.MR || b.NR != tile.NR || b.KC < 1 || b.MC < b.MR || b.MC%b.MR != 0 ||
			b.NC < b.NR || b.NC%b.NR != 0 || !(b.MinFlopsPerThread > 0) {
			t.Errorf("%s: blocking from the default caches %+v is not usable", isa, b)
		}
	}
}
