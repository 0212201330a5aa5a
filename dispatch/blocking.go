package dispatch

import "fmt"

// Blocking is the GEMM blocking for one ISA on one CPU: the micro-kernel's register tile
// MR×NR and the cache blocks of the BLIS five-loop driver (NC → KC → MC → NR → MR).
type Blocking struct {
	ISA    ISA
	MR, NR int // register tile: fixed by the micro-kernel, see TileFor
	KC     int // depth of one packed panel pass
	MC     int // rows of packed A per block, a multiple of MR
	NC     int // columns of packed B per block, a multiple of NR

	// PackedKC and PackedMC replace KC and MC in an Sgemm whose op(B) is packed: a
	// packed panel streams from L2 even when deeper than L1 holds, and each slice of k
	// less is a pass over C less. See BlockingFor.
	PackedKC, PackedMC int

	// PackAMinN: row-major A is packed only when n reaches this (or sooner when its
	// rows share an L1 set: kernels' packsA). Reading A in place skips a copy that
	// costs as much as the multiply when n is small, but with n large the copy is
	// amortised over n/NR B panels (3136×64×576 165 GFLOPS in place, 150 packed;
	// 64×3136×576, 98 AVX-512 panels, 0.99× in place). See BlockingFor for each ISA's.
	PackAMinN int
	// PackSmallB: op(B) is packed even when the product is small enough to read it in
	// place. The pure-Go kernel's fast loop needs packed B (one bounds check per two
	// steps of k; 64³ 5.8 → 6.6 GFLOPS packed); the SIMD kernels read B rows as fast in
	// place.
	PackSmallB bool

	// MinFlopsPerThread: a GEMM gets one thread per this many FLOPs, up to the cap, so
	// that each thread's share outweighs what it costs to hand it over (waking a helper,
	// the barriers, packing B in smaller pieces): see BlockingFor.
	MinFlopsPerThread float64
}

// Tile is a micro-kernel's register tile.
type Tile struct{ MR, NR int }

// TileFor returns the register tile of isa's SGEMM micro-kernel, the one place a tile size
// is chosen. Each is the largest tile whose accumulators, B vectors and A broadcast fit
// the register file while keeping enough independent FMAs in flight to cover the FMA
// latency on every pipe:
//
//   - avx512: 12×32, 24 zmm accumulators (12 rows × 2 vectors) + 2 B vectors, A
//     broadcast from memory inside the FMA; 24 FMAs per 2 vector loads + 12 broadcasts,
//     under the 2 loads/cycle the two 512-bit FMA pipes leave room for.
//   - avx2: 6×16, 12 ymm accumulators + 2 B vectors + 1 A broadcast of 16 registers
//     (BLIS haswell's sgemm tile).
//   - neon: 8×12, 24 of 32 q accumulators, A as two 4-wide registers used by element.
//   - generic: 2×4 scalars, what the Go compiler keeps in its 15 XMM registers.
//
// The amd64 ISAs also have edge kernels of MR/3 and 2·MR/3 rows with the same NR (for
// SGEMM and for the indirect convolution): the last rows of a matrix, or the last output
// pixels of an image, run on the smallest that covers them, so that a 64-row product is
// not six 12-row tiles of which one is two-thirds padding. NEON has SGEMM edges of 2, 4
// and 6 rows and convolution edges of 2 and 4 pixels (asm/arm64). AVX-512 has a 7-pixel
// convolution edge too, for the 7-wide rows of a transpose of a 7×7 map (asm/conv.go,
// convEdgeRows).
//
// It panics for a value that is not one of the ISA constants.
func TileFor(isa ISA) Tile {
	// A switch, not an exported map: the kernels are generated for these tiles, so no
	// caller may change them.
	switch isa {
	case AVX512:
		return Tile{MR: 12, NR: 32}
	case AVX2:
		return Tile{MR: 6, NR: 16}
	case NEON:
		return Tile{MR: 8, NR: 12}
	case Generic:
		return Tile{MR: 2, NR: 4}
	}
	panic(fmt.Sprintf("dispatch: unknown ISA %q", string(isa)))
}

// BlockingFor derives the cache blocking of isa from the cache sizes. It starts from
// BLIS's analytic model (Low et al., "Analytical modeling is enough for high-performance
// BLIS") and departs from it where measurement on an AVX-512 server core (48 KiB L1D,
// 2 MiB L2) said so:
//
//   - KC: the B micro-panel (KC×NR floats) is reused by every A micro-panel of a block:
//     all of L1D, up to 384. The model keeps half of L1 for the A micro-panel streaming
//     past, but a deeper panel halves how often each C tile is loaded and stored, and
//     the kernels' few B loads per FMA absorb the L2 hits: on AVX-512, KC 192 → 384 took
//     1024³ from 160 to 176 GFLOPS and 2048³ from 161 to 172. Deeper measured no faster
//     (AVX2, 384 to 768: within 3%); BLIS's skx configuration also stops at 384.
//   - MC: the packed A block (MC×KC) is reused by every B micro-panel: a quarter of L2,
//     the rest for the B micro-panels and C tiles passing through (a quarter to a half
//     measured the same).
//   - NC: the packed B block (KC×NC) is reused by every A block: a quarter of L3, capped,
//     because L3 is shared with the other cores (and virtual machines report odd sizes).
//   - PackedKC, PackedMC: on AVX-512, an Sgemm with packed B takes slices twice as deep
//     (768, a 96 KiB micro-panel) and A blocks half as tall, the A block's size kept.
//     Calls alternating in one process, one thread and two: 2048³ 1.02–1.05× and
//     1.01×, 3136×64×576 (one slice, not two) 1.05–1.06× and 1.04×, 784×128×1152 1.02×
//     and 0.99–1.02×, 512³ 1.01–1.02× and 0.99–1.02×, 1024³ 1.01–1.03× and 1.00×. With
//     B read in place the deeper slice lost (64×3136×576 0.96–0.99×), and so did AVX2
//     (2048³ 0.95×), which keep KC and MC; so do the layers (a 1×1 7²×512→2048, shallow
//     at 768, 0.78×).
func BlockingFor(isa ISA, c Caches) Blocking {
	const float32Size = 4
	t := TileFor(isa)
	kc := roundDown(c.L1D/(t.NR*float32Size), 16)
	kc = clamp(kc, 64, 384)
	mc := roundDown(c.L2/4/(kc*float32Size), t.MR)
	mc = clamp(mc, t.MR, 64*t.MR)
	nc := roundDown(c.L3/4/(kc*float32Size), t.NR)
	nc = clamp(nc, t.NR, 256*t.NR)
	// AVX-512 reads A in place up to 80 panels of B: its 12 rows stream from L2 as fast
	// as a packed panel, and the copy it skips is 1–3% of a square's time (in place
	// against packed, calls alternating in one process, one thread and two: 512³ 1.03×
	// and 1.00×, 640³ 1.03× and 1.02×, 1000³ 1.02× and 1.04×, 1536³ 1.01× and 1.03×,
	// 2000³ 1.01× and 1.01×, 512×2048×512 1.01× and 1.015×, 4096×512×96 1.02× and
	// 1.01×). AVX2's 6-row tile gains nothing (0.98–1.02×) and keeps 512.
	packAMinN := 512
	if isa == AVX512 {
		packAMinN = 2560
	}
	if isa == Generic || isa == NEON {
		// The pure-Go kernel is fast only on packed A. NEON's in-place loop (LDR s and
		// FMLA by element) models at the packed loop's speed on Neoverse N1 and V1 (make
		// mca), but no arm64 machine is at hand to measure packing against reading in
		// place, so NEON packs A always, as it did when that loop broadcast with LD1R.
		packAMinN = 0
	}
	packedKC, packedMC := kc, mc
	if isa == AVX512 {
		packedKC = 2 * kc
		packedMC = max(roundDown(mc/2, t.MR), t.MR)
	}
	return Blocking{ISA: isa, MR: t.MR, NR: t.NR, KC: kc, MC: mc, NC: nc, PackedKC: packedKC, PackedMC: packedMC,
		PackAMinN: packAMinN, PackSmallB: isa == Generic,
		MinFlopsPerThread: minThreadTime * flopRate[isa]}
}

// minThreadTime is the least time, in seconds, a thread's share of a product should take:
// handing work to an idle (polling) helper costs about a microsecond. Measured with
// kernels' BenchmarkSgemmSplit on AVX-512, two threads against one: 64³ 98 against 110
// GFLOPS, 96³ 145 against 124, 128³ 187 against 121; the threshold falls between, at
// 0.85 MFLOP a thread.
const minThreadTime = 5e-6

// flopRate is each ISA's single-core GEMM speed on the development machine, FLOP/s: the
// scale of minThreadTime's work.
var flopRate = map[ISA]float64{AVX512: 170e9, AVX2: 90e9, NEON: 30e9, Generic: 7e9}

func roundDown(v, multiple int) int { return v / multiple * multiple }

func clamp(v, lo, hi int) int {
	return max(lo, min(v, hi))
}
