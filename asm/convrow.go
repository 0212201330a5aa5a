package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// rowConvKernel is a convolution micro-kernel for a tile of pixels along one output row
// whose taps all lie inside the image: there pixel i's tap starts a fixed stride after
// pixel i−1's, so one offset per tap replaces the indirect kernel's MR, and the pixels
// are addressed as the SGEMM kernel addresses the rows of A (rowPointers), three to a
// base pointer. That frees the indirect kernel's MR row pointers and its per-tap setup
// (five instructions a pixel) for the first layers, whose taps are short: a 3×3 stem
// with 3 channels reads three taps of 9 floats.
//
// With fewer pointers the tile can be taller than the SGEMM kernel's: 14 pixels × 32
// channels is 28 accumulators, the most that 32 zmm hold beside the weights and the
// broadcasts. A 112-pixel row is then 8 whole tiles, not 9 and a 4-pixel edge. One call
// runs all of a row's tiles, so that the Go call and its checks are paid once a row.
// AVX-512, 3×3 s2 224²×3→32, medians of calls alternating in one process: one call per
// tile 1.07–1.08× the indirect kernel, one call per row 1.13–1.18× (with the edge
// columns of newIndirectConv, 1.01–1.03× alone).
type rowConvKernel struct{ sgemmKernel }

// rowConvKernels are the row kernels. Only AVX-512's register file holds a taller tile
// than its SGEMM kernel's; AVX2's 16 ymm are all taken by its 6×16, whose row kernel
// gains from the setup and the calls it saves alone (3×3 s2 224²×3→32 1.17–1.34×, 7×7
// s2 224²×3→64 1.02–1.10×, 3×3 112²×4→32 1.13–1.19×; calls alternating in one process).
var rowConvKernels = []rowConvKernel{
	{sgemmKernel{mr: 6, vectors: 2, isa: "AVX2"}},
	{sgemmKernel{mr: 14, vectors: 2, isa: "AVX512"}},
}

func (k rowConvKernel) name() string { return fmt.Sprintf("sconvRow%dx%d%s", k.mr, k.nr(), k.isa) }

func (k rowConvKernel) generate() {
	nr := k.nr()
	TEXT(k.name(), 0, "func(taps, k int, ind *int32, stride int, src, zero, w, bias, c *float32, ldc, pixels, nr int, relu bool)")
	Pragma("noescape")
	Doc(
		fmt.Sprintf("%s computes nr ≤ %d channels of a convolution's output pixels along a row,", k.name(), nr),
		"C(i, j) = act(bias[j] + Σ_t Σ_p A_t(i, p)·w[(t·k+p)·NR + j]) for i < pixels, with",
		"row i of tap t at src + ind[t] + i·stride (elements), or at zero + (i mod MR)·stride",
		fmt.Sprintf("when ind[t] is negative, in tiles of %d pixels. It has the row-tile contract", k.mr),
		"documented at generic.ConvRowTile.",
	)
	bases := (k.mr + rowsPerBase - 1) / rowsPerBase
	Comment(
		fmt.Sprintf("Register plan for the %d×%d tile (%s):", k.mr, nr, k.isa),
		fmt.Sprintf("  acc[i][j]  %2d vector accumulators: pixel i < %d, vector j < %d of the channels", k.mr*k.vectors, k.mr, k.vectors),
		fmt.Sprintf("  bv[j]      %2d vectors: the weights of one input channel", k.vectors),
		"  av[2]       2 vectors: A_t(i, p) broadcast, alternating between pixels",
		fmt.Sprintf("  aRow[%d]     pixel pointers of the current tap, pixel i at aRow[i/3] + (i%%3)·stride;", bases),
		"              each advances by one channel per step",
		"  wPtr        the weight row of the current channel; taps follow each other in w",
		"  indPtr      the current tap's offset; tapsLeft, channels: the loop counters",
		"The tile's C, the pixels left and the tile's offset from pixel 0 live in the frame:",
		"they are touched once per tile.",
		fmt.Sprintf("Per channel: %d weight loads, %d broadcasts, %d FMAs; 4 channels per iteration.", k.vectors, k.mr, k.mr*k.vectors),
	)

	// Frame: the per-tile state.
	tileC, left, shift := AllocLocal(8), AllocLocal(8), AllocLocal(8)
	{
		r := Load(Param("c"), GP64())
		MOVQ(r, tileC)
		Load(Param("pixels"), r)
		MOVQ(r, left)
		MOVQ(U32(0), shift)
	}
	store := tileStore{k: k.sgemmKernel, done: k.name() + "_stored"}
	if k.isa == "AVX512" {
		// K masks live in their own registers, set once for every tile.
		store.kMasks(Load(Param("nr"), GP64()))
	}
	stride := Load(Param("stride"), GP64())
	SHLQ(U8(2), stride)

	tile := k.name() + "_tile"
	Label(tile)
	tapsLeft := Load(Param("taps"), GP64())
	wPtr := Load(Param("w"), GP64())
	indPtr := Load(Param("ind"), GP64())
	acc := k.accumulatorsFromBias(Load(Param("bias"), GP64()))
	aRow := make([]GPVirtual, bases)
	for r := range aRow {
		aRow[r] = GP64()
	}
	channels := GP64()
	// channel(u): acc += A_t(:, u)·w(row u from wPtr), the pixel pointers at channel 0.
	channel := k.channelStep(acc, wPtr, func(i int) Mem { return rowAddr(aRow, stride, i) })
	advance := func(floats int) {
		for _, r := range aRow {
			ADDQ(U8(4*floats), r)
		}
		ADDQ(U32(floats*nr*4), wPtr)
	}

	tap, unrolled, tail, tailLoop, tapDone := k.name()+"_tap", k.name()+"_unrolled", k.name()+"_tail", k.name()+"_tailLoop", k.name()+"_tapDone"
	Label(tap)
	Comment("This tile's pixel 0 of this tap is at src + 4·ind[t] + shift, or at zero for padding.")
	off, zero := GP64(), GP64()
	MOVLQSX(Mem{Base: indPtr}, off)
	Load(Param("src"), aRow[0])
	LEAQ(Mem{Base: aRow[0], Index: off, Scale: 4}, aRow[0])
	ADDQ(shift, aRow[0])
	Load(Param("zero"), zero)
	TESTQ(off, off)
	CMOVQLT(zero, aRow[0])
	for r := 1; r < len(aRow); r++ {
		LEAQ(Mem{Base: aRow[r-1], Index: stride, Scale: 2}, aRow[r])
		ADDQ(stride, aRow[r])
	}
	ADDQ(U8(4), indPtr)
	Load(Param("k"), channels)

	const unroll = 4
	Commentf("%d channels per iteration while that many are left.", unroll)
	CMPQ(channels, U8(unroll))
	JLT(LabelRef(tail))
	Label(unrolled)
	for u := range unroll {
		channel(u)
	}
	advance(unroll)
	SUBQ(U8(unroll), channels)
	CMPQ(channels, U8(unroll))
	JGE(LabelRef(unrolled))
	Label(tail)
	TESTQ(channels, channels)
	JZ(LabelRef(tapDone))
	Label(tailLoop)
	channel(0)
	advance(1)
	DECQ(channels)
	JNZ(LabelRef(tailLoop))
	Label(tapDone)
	DECQ(tapsLeft)
	JNZ(LabelRef(tap))

	Comment("Epilogue: ReLU when asked (NaN stays NaN), then store the tile's pixels, at most MR.")
	k.reluIfAsked(acc, k.name()+"_store")
	Label(k.name() + "_store")
	store.acc = acc
	store.cPtr = GP64()
	MOVQ(tileC, store.cPtr)
	store.ldc = Load(Param("ldc"), GP64())
	SHLQ(U8(2), store.ldc)
	store.rows = GP64()
	MOVQ(U32(k.mr), store.rows)
	CMPQ(left, store.rows)
	CMOVQLT(left, store.rows)
	if k.isa == "AVX512" {
		store.emit(true, false)
	} else {
		// AVX2's lane masks take vector registers, which the loop needs: they are set
		// at each tile's store, and only when its columns are short.
		store.emitLaneMasked(Load(Param("nr"), GP64()), k.name()+"_full")
	}
	Label(store.done)

	Commentf("Next tile: %d pixels on.", k.mr)
	SUBQ(U32(k.mr), left)
	JLE(LabelRef(k.name() + "_done"))
	next := Load(Param("ldc"), GP64())
	IMUL3Q(U32(4*k.mr), next, next)
	ADDQ(next, tileC)
	IMUL3Q(U32(k.mr), stride, next)
	ADDQ(next, shift)
	JMP(LabelRef(tile))
	Label(k.name() + "_done")
	VZEROUPPER()
	RET()
}
