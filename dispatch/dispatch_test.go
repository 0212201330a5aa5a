package dispatch

import (
	"strings"
	"testing"
)

// TestDetectedCPUIsACopy checks that a caller changing what DetectedCPU returned changes
// nothing that the next caller, or the blocking, sees.
func TestDetectedCPUIsACopy(t *testing.T) {
	first := DetectedCPU()
	want := first.Supported[0]
	first.Supported[0] = "tampered"
	first.Caches.L1D = 1
	again := DetectedCPU()
	if again.Supported[0] != want {
		t.Errorf("DetectedCPU().Supported[0] = %q after a caller changed its copy, want %q", again.Supported[0], want)
	}
	if again.Caches.L1D == 1 {
		t.Error("DetectedCPU().Caches changed after a caller changed its copy")
	}
	if last := again.Supported[len(again.Supported)-1]; last != Generic {
		t.Errorf("Supported ends with %q, want %q", last, Generic)
	}
	if !again.Has(SelectedISA()) {
		t.Errorf("SelectedISA() = %q, not among the supported %v", SelectedISA(), again.Supported)
	}
}

func TestTileFor(t *testing.T) {
	for _, isa := range []ISA{Generic, AVX2, AVX512, NEON} {
		tile := TileFor(isa)
		if tile.MR < 1 || tile.NR < 1 {
			t.Errorf("TileFor(%q) = %+v, want a positive tile", isa, tile)
		}
		b := BlockingFor(isa, Caches{L1D: 48 << 10, L2: 2 << 20, L3: 32 << 20})
		if b.MR != tile.MR || b.NR != tile.NR || b.MC%tile.MR != 0 || b.NC%tile.NR != 0 {
			t.Errorf("BlockingFor(%q) = %+v, not built on TileFor's %+v", isa, b, tile)
		}
	}
	defer func() {
		r := recover()
		if msg, _ := r.(string); !strings.Contains(msg, "unknown ISA") {
			t.Errorf("TileFor(\"sse\") recovered %v, want a panic naming an unknown ISA", r)
		}
	}()
	TileFor("sse")
}

func TestChoose(t *testing.T) {
	cpu := CPU{Supported: []ISA{AVX2, Generic}}
	for _, c := range []struct {
		override string
		want     ISA
		err      string
	}{
		{"", AVX2, ""},
		{" Generic ", Generic, ""},
		{"avx512", "", "supports only"},
		{"sse", "", "is not an ISA"},
	} {
		got, err := cpu.Choose(c.override)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("Choose(%q) error = %v, want one containing %q", c.override, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("Choose(%q) = %q, %v, want %q", c.override, got, err, c.want)
		}
	}
}
