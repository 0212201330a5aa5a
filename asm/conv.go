package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// convKernel is an indirect convolution micro-kernel (XNNPACK's indirect GEMM): the
// MR×NR tile of a convolution's output, MR output pixels by NR output channels, summed
// over every tap of the filter and every input channel in one call. Its register tile is
// its ISA's SGEMM tile, so it reads the weight panels the layers pack for that kernel.
//
// A pixel's input channels are contiguous in NHWC, so tap t of pixel i is one row of k
// floats, found through the indirection buffer: an offset into the image, or a negative
// one for padding, which reads a row of zeros instead. The driver builds the offsets
// once per layer; padding costs no branch and no copy, and any stride, dilation or
// kernel size is the same loop.
type convKernel struct {
	sgemmKernel
	// weightsAhead, if not 0, is how many channels ahead the kernel prefetches the
	// weights: the streaming variant, for layers whose weights do not stay in L2, where
	// each panel's first tiles would wait on L3 for every weight row.
	weightsAhead int
	// panels makes the kernel compute a row of tiles: the same pixels against several
	// whole weight panels in turn, each panel's channels NR on in C and in the bias.
	// It is for shallow products (1×1 layers), whose tiles are short: one call a tile
	// paid a sixth of the time of 56²×64→256, in the Go call, its ABI wrapper and the
	// kernel's entry (perf), which a loop inside the kernel pays once a row.
	panels bool
}

// convKernels are the tiles of sgemmKernels, with their edge tiles (withEdges) and the
// extra edges of convEdgeRows.
var convKernels = func() []convKernel {
	var ks []convKernel
	for _, k := range sgemmKernels {
		for _, t := range k.withEdges() {
			ks = append(ks, convKernel{sgemmKernel: t})
		}
		for _, mr := range convEdgeRows[k.isa] {
			t := k
			t.mr = mr
			ks = append(ks, convKernel{sgemmKernel: t})
		}
		ks = append(ks, convKernel{sgemmKernel: k, weightsAhead: streamWeightsAhead})
		ks = append(ks, convKernel{sgemmKernel: k, panels: true})
	}
	return ks
}()

// streamWeightsAhead is how far ahead the streaming kernels prefetch the weights: 32
// channels, 4 KiB of an AVX-512 panel. AVX-512, 3×3 7²×512→512 (9 MiB of weights, five
// tiles a panel), against no prefetch, calls alternating in one process: 16 channels
// 1.14×, 32 1.22–1.25×. Where the layers take them: kernels.streamWeightsMinBytes.
const streamWeightsAhead = 32

// convEdgeRows are the convolution edge tiles an ISA has besides the thirds: AVX-512's
// 7-pixel tile, for the 7-pixel rows of a transpose's sub-convolutions of a 7×7 input
// (ResNet's and U-Net's smallest maps), which the 8-pixel tile runs an eighth idle
// (3×3 s2 transposes of 7²×512→256 and 7²×256→128: 1.10× and 1.08–1.12×, medians of
// calls alternating in one process). Other sizes wait for a layer that needs them; below
// 5 pixels a tile is bound by the FMA latency and takes as long as the 4-pixel one.
var convEdgeRows = map[string][]int{"AVX512": {7}}

func (k convKernel) name() string {
	switch {
	case k.weightsAhead > 0:
		return fmt.Sprintf("sconv%dx%d%sStream", k.mr, k.nr(), k.isa)
	case k.panels:
		return fmt.Sprintf("sconvPanels%dx%d%s", k.mr, k.nr(), k.isa)
	}
	return fmt.Sprintf("sconv%dx%d%s", k.mr, k.nr(), k.isa)
}

func (k convKernel) generate() {
	nr := k.nr()
	var doc []string
	if k.panels {
		TEXT(k.name(), 0, "func(panels, taps, k int, ind *int32, src, zero, w, bias, c *float32, ldc, mr int, relu bool)")
		doc = []string{
			fmt.Sprintf("%s computes the first mr rows (1 ≤ mr ≤ %d) of panels ≥ 1 convolution output", k.name(), k.mr),
			fmt.Sprintf("tiles side by side, each all %d columns wide: tile q is the tile of generic.ConvTile", nr),
			fmt.Sprintf("with the weights w + q·taps·k·%d, the bias bias + q·%d and C at c + q·%d (elements),", nr, nr, nr),
			"and the same pixels, ind, src and zero, as a row of whole weight panels packed",
			"one after the other gives them.",
		}
	} else {
		TEXT(k.name(), 0, "func(taps, k int, ind *int32, src, zero, w, bias, c *float32, ldc, mr, nr int, relu bool)")
		doc = []string{
			fmt.Sprintf("%s computes the mr×nr top-left corner (1 ≤ mr ≤ %d, 1 ≤ nr ≤ %d) of", k.name(), k.mr, nr),
			"a convolution's output tile C(i, j) = act(bias[j] + Σ_t Σ_p A_t(i, p)·w[(t·k+p)·NR + j]),",
			fmt.Sprintf("row i of tap t at src + ind[t·%d + i] (elements), or zero when that is negative.", k.mr),
			"It has the indirect-convolution contract documented at generic.ConvTile.",
		}
	}
	Pragma("noescape")
	if k.weightsAhead > 0 {
		doc = append(doc, fmt.Sprintf("It prefetches w %d channels ahead, for weights that come from beyond L2.", k.weightsAhead))
	}
	Doc(doc...)
	Comment(
		fmt.Sprintf("Register plan for the %d×%d tile (%s):", k.mr, nr, k.isa),
		fmt.Sprintf("  acc[i][j]  %2d vector accumulators: pixel i < %d, vector j < %d of the channels", k.mr*k.vectors, k.mr, k.vectors),
		fmt.Sprintf("  bv[j]      %2d vectors: the weights of one input channel", k.vectors),
		"  av[2]       2 vectors: A_t(i, p) broadcast, alternating between rows",
		fmt.Sprintf("  aRow[i]    %2d row pointers of the current tap, each at the end of its row", k.mr),
		"  p           the channel index, counting up from −k to 0: aRow[i] + 4·p is A_t(i, k+p)",
		"  wPtr        the weight row of the current channel; taps follow each other in w",
		"  indPtr      the current tap's MR offsets",
		"The taps left and the ends of src's and zero's rows live in the frame: they are",
		"touched once per tap, the registers are all needed once per channel.",
		fmt.Sprintf("Per channel: %d weight loads, %d broadcasts, %d FMAs; 4 channels per iteration.", k.vectors, k.mr, k.mr*k.vectors),
	)

	// Frame: the tap counter and the row ends that the per-tap setup reads.
	tapsLeft, srcEnd, zeroEnd := AllocLocal(8), AllocLocal(8), AllocLocal(8)
	kBytes := Load(Param("k"), GP64())
	SHLQ(U8(2), kBytes)
	for _, e := range []struct {
		param string
		slot  Mem
	}{{"src", srcEnd}, {"zero", zeroEnd}} {
		end := Load(Param(e.param), GP64())
		ADDQ(kBytes, end)
		MOVQ(end, e.slot)
	}
	// A row of panels keeps its count left and the current panel's bias and C in the
	// frame; w runs on from each panel into the next.
	var panelsLeft, panelBias, panelC Mem
	var wPtr Register
	if k.panels {
		slots := paramsInFrame("panels", "bias", "c")
		panelsLeft, panelBias, panelC = slots[0], slots[1], slots[2]
		wPtr = Load(Param("w"), GP64())
		Label(k.name() + "_panel")
	}
	taps := Load(Param("taps"), GP64())
	MOVQ(taps, tapsLeft)

	bias := GP64()
	if k.panels {
		MOVQ(panelBias, bias)
	} else {
		Load(Param("bias"), bias)
	}
	acc := k.accumulatorsFromBias(bias)
	if !k.panels {
		wPtr = Load(Param("w"), GP64())
	}
	indPtr := Load(Param("ind"), GP64())
	aRow := make([]GPVirtual, k.mr)
	for i := range aRow {
		aRow[i] = GP64()
	}
	p := GP64()
	// channel(u): acc += A_t(:, k+p+u)·w(row u from wPtr).
	channel := k.channelStep(acc, wPtr, func(i int) Mem { return Mem{Base: aRow[i], Index: p, Scale: 4} })

	tap, unrolled, tail, tailLoop, tapDone := k.name()+"_tap", k.name()+"_unrolled", k.name()+"_tail", k.name()+"_tailLoop", k.name()+"_tapDone"
	Label(tap)
	Comment("Row i of this tap ends at srcEnd + 4·ind[i], or at zeroEnd for padding.")
	for i, r := range aRow {
		MOVLQSX(Mem{Base: indPtr}.Offset(4*i), r)
		SHLQ(U8(2), r)
		ADDQ(srcEnd, r)
		CMPL(Mem{Base: indPtr}.Offset(4*i), U8(0))
		CMOVQLT(zeroEnd, r)
	}
	ADDQ(U32(4*k.mr), indPtr)
	Load(Param("k"), p)
	NEGQ(p)

	const unroll = 4
	Commentf("%d channels per iteration while that many are left.", unroll)
	CMPQ(p, I32(-unroll))
	JGT(LabelRef(tail))
	Label(unrolled)
	for u := range unroll {
		channel(u)
	}
	if k.weightsAhead > 0 {
		Commentf("Prefetch the weights of the channels %d ahead.", k.weightsAhead)
		for u := range unroll {
			for line := 0; line < 4*nr; line += 64 {
				PREFETCHT0(Mem{Base: wPtr}.Offset((k.weightsAhead+u)*nr*4 + line))
			}
		}
	}
	ADDQ(U32(unroll*nr*4), wPtr)
	ADDQ(U8(unroll), p)
	CMPQ(p, I32(-unroll))
	JLE(LabelRef(unrolled))
	Label(tail)
	TESTQ(p, p)
	JZ(LabelRef(tapDone))
	Label(tailLoop)
	channel(0)
	ADDQ(U32(nr*4), wPtr)
	INCQ(p)
	JNZ(LabelRef(tailLoop))
	Label(tapDone)
	DECQ(tapsLeft)
	JNZ(LabelRef(tap))

	Comment("Epilogue: ReLU when asked (NaN stays NaN), then store mr rows and nr columns.")
	k.reluIfAsked(acc, k.name()+"_store")
	Label(k.name() + "_store")
	cPtr := GP64()
	if k.panels {
		MOVQ(panelC, cPtr)
	} else {
		Load(Param("c"), cPtr)
	}
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(2), ldc)
	rows := Load(Param("mr"), GP64())
	store := tileStore{k: k.sgemmKernel, acc: acc, cPtr: cPtr, ldc: ldc, rows: rows, done: k.name() + "_done"}
	if k.panels {
		Comment("Whole panels: every column, no masks. Then the next panel, NR channels on.")
		store.done = k.name() + "_stored"
		store.emit(false, false)
		Label(store.done)
		for _, slot := range []Mem{panelBias, panelC} {
			next := GP64()
			MOVQ(slot, next)
			ADDQ(U32(4*nr), next)
			MOVQ(next, slot)
		}
		DECQ(panelsLeft)
		JNZ(LabelRef(k.name() + "_panel"))
		VZEROUPPER()
		RET()
		return
	}
	cols := Load(Param("nr"), GP64())
	if k.isa == "AVX512" {
		store.kMasks(cols)
		store.emit(true, false)
	} else {
		store.emitLaneMasked(cols, k.name()+"_full")
	}
	Label(store.done)
	VZEROUPPER()
	RET()
}

// emitLaneMasked writes the tile, without beta, as AVX2 does: plain stores when cols is
// all NR columns (the path labelled full), else stores under lane masks (vecMasks).
func (s *tileStore) emitLaneMasked(cols Register, full string) {
	CMPQ(cols, U32(s.k.nr()))
	JEQ(LabelRef(full))
	s.vecMasks(cols)
	s.emit(true, false)
	Label(full)
	s.emit(false, false)
}

// accumulatorsFromBias allocates a convolution tile's accumulators and sets each row to
// the bias, the NR values at bias.
func (k sgemmKernel) accumulatorsFromBias(bias Register) [][]VecVirtual {
	Comment("The accumulators start from the bias.")
	return k.accumulators(func(acc [][]VecVirtual, i, j int) {
		if i == 0 {
			VMOVUPS(Mem{Base: bias}.Offset(j*4*k.vecLen()), acc[i][j])
		} else {
			VMOVAPS(acc[0][j], acc[i][j])
		}
	})
}

// reluIfAsked applies ReLU to the accumulators when parameter relu is true, and jumps
// to label store when it is not.
func (k sgemmKernel) reluIfAsked(acc [][]VecVirtual, store string) {
	relu := GP32()
	MOVBLZX(paramAddr("relu"), relu)
	TESTL(relu, relu)
	JZ(LabelRef(store))
	zero := k.newVec()
	VXORPS(zero, zero, zero)
	for i := range acc {
		for j := range acc[i] {
			// VMAXPS returns its second source when either is NaN; that source is acc.
			VMAXPS(acc[i][j], zero, acc[i][j])
		}
	}
}

// channelStep allocates the weight and broadcast vectors of a convolution tile and
// returns the emitter of one input channel's step, acc += A_t(:, u)·w(row u from wPtr):
// pixel i's channel u is at pixel(i) + 4u. Broadcasts alternate between two vectors so
// that consecutive pixels' loads overlap.
func (k sgemmKernel) channelStep(acc [][]VecVirtual, wPtr Register, pixel func(i int) Mem) func(u int) {
	bv := make([]VecVirtual, k.vectors)
	for j := range bv {
		bv[j] = k.newVec()
	}
	av := []VecVirtual{k.newVec(), k.newVec()}
	return func(u int) {
		for j := range bv {
			VMOVUPS(Mem{Base: wPtr}.Offset((u*k.vectors+j)*4*k.vecLen()), bv[j])
		}
		for i := range k.mr {
			VBROADCASTSS(pixel(i).Offset(4*u), av[i%2])
			for j := range bv {
				VFMADD231PS(bv[j], av[i%2], acc[i][j])
			}
		}
	}
}
