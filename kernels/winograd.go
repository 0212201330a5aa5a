package kernels

import (
	"math"
	"strconv"
	"sync"

	"github.com/simdnn/simdnn/dispatch"
	"github.com/simdnn/simdnn/generic"
)

// This file is Conv2D's Winograd path (Lavin & Gray, "Fast algorithms for convolutional
// neural networks", 2016): F(m×m, 3×3) computes an m×m tile of outputs from an α×α tile
// of inputs, α = m+2, with α² multiplications per channel pair instead of 9m².
//
//	Y = Aᵀ [ Σ_ic (G g Gᵀ) ⊙ (Bᵀ d B) ] A
//
// The filter transform U = G g Gᵀ is done once, in float64, when the layer is built, and
// packed as α² InC×OutC matrices, one per position ξ of the α×α tile, for the SGEMM
// micro-kernel. Forward cuts the output into tiles, and the tiles into blocks; for each
// block it transforms the input tiles into V (α² matrices, tiles × InC), runs the α²
// independent products M_ξ = V_ξ·U_ξ on the micro-kernel, and transforms M back into the
// output tiles, adding the bias and the activation.
//
// On AVX-512 and AVX2 the transforms run on kernels of their own (asm/winograd.go), one
// tile at a time, vectorised over channels, their constant coefficients specialised into
// the code (zeros skipped, ±1 as additions): the input transform reads a tile in place,
// or a zero-padded copy of it where it overlaps the padding, and the output transform
// adds the bias and ReLU as it stores. Before them (and still on the other ISAs) the
// transforms ran as tens of small products on the SGEMM micro-kernel, 44% of the time of
// 56²×64→64 F(2×2) (pprof: input 18%, output 26%; with the kernels 16% and 9%). One
// thread, AVX-512, medians of seven interleaved rounds (BenchmarkConv), GFLOPS before →
// after: 56²×64→64 F(2×2) 160 → 246, F(4×4) 294 → 357; 28²×128→128 F(2×2) 202 → 292
// (with winogradBlock's bound below), F(4×4) 324 → 355; 14²×256→256 and 7²×512→512
// within the noise, +3% (their products take over 90% of the time). AVX2, 56²×64→64:
// F(2×2) 69 → 144, F(4×4) 183 → 246 (medians of three).
//
// The transforms are matrix products too, with small constant matrices on the left, so
// elsewhere they run on the same micro-kernel, vectorised over channels: the input transform's
// first pass mixes the α input rows of a whole strip of tiles at once (NHWC keeps a row
// of the strip contiguous, so each step reads it in place), its second the α columns of
// each tile; the output transform does the same in reverse and stores straight into dst.

// ConvAlgorithm chooses how a Conv2D computes: Direct (the indirect-GEMM kernels),
// Winograd (F(4×4,3×3)) or Winograd2x2 (F(2×2,3×3)), for 3×3 stride-1 undilated layers;
// AutoAlgorithm, the zero value, picks the fastest whose documented error bound holds.
//
// An explicit choice is honoured or refused: NewConv2D returns an error wrapping ErrConfig
// for Winograd or Winograd2x2 on a layer that is not 3×3 with stride 1 and dilation 1.
// Conv2DTranspose accepts only AutoAlgorithm and Direct: it has no Winograd path.
//
// Winograd trades accuracy for speed: its transforms add and subtract multiples of inputs
// before the products, so its rounding errors grow with the transforms' coefficients.
// The worst error measured against a float64 reference, relative to Σ|x·w| + |bias| over
// the output's receptive field, over random layers of the benchmark shapes (56²×64,
// 28²×128, 14²×256, 7²×512) and of InC 1, 3, 16 and 1024, inputs uniform in [−1, 1] and
// in [0, 6], filters and biases in [−1, 1], valid or same (TestWinogradErrorTable; the
// same on AVX-512 and AVX2):
//
//	algorithm             inputs   InC 1–16   InC 64–1024   documented bound
//	Direct                [−1,1]   2.1e-7     2.2e-7        (9·InC+3)·2⁻²⁴
//	                      [0,6]    1.7e-7     3.1e-7
//	Winograd2x2 F(2×2)    [−1,1]   1.7e-7     8.8e-8        1e-6 (InC < 8: 4e-6)
//	                      [0,6]    2.5e-7     1.0e-7
//	Winograd    F(4×4)    [−1,1]   1.6e-6     8.0e-7        4e-6 (InC < 8: 2e-5)
//	                      [0,6]    1.8e-6     3.3e-7
//
// F(4×4) takes the interpolation points 0, ±1, ½, −2 (and ∞), as Barabasz et al.
// recommend: the same layers measured 3.3e-6 at worst with Lavin's 0, ±1, ±2, 4.5e-6 with
// 0, ±1, ±½, and 1.5e-6 with the mirror image 0, ±1, 2, −½. Both Winograds sum the InC
// products of one position in one pass, then add α² positions with small coefficients, so
// their error does not grow with InC; F(2×2)'s coefficients are all ±1 and ±½, and it
// is as accurate as the direct sum. AutoAlgorithm takes a Winograd only where its bound is
// within the direct convolution's.
//
// The bound holds for data like the table's. An output's Winograd error comes from the
// whole α×α input tile, not only from its 3×3 field, so an output whose own field is small
// beside large values elsewhere in its tile can err by more relative to its own Σ|x·w|.
// Relative to Σ_ic (Σ|x| over the tile)·(Σ|w| over the filter) + |bias|, which bounds
// every product the transforms form, the error measured at most 2.0·2⁻²⁴ for F(4×4) and
// 0.43·2⁻²⁴ for F(2×2) on random layers of 1 to 256 channels and images from 1×7 to
// 30×30; the tests hold them to 16·2⁻²⁴ and 4·2⁻²⁴, whatever the data.
//
// A Winograd layer keeps its filter transformed, α²/9 times the size of the filter: 4
// times for F(4×4), 16/9 for F(2×2); it needs no other copy.
//
// Inf or NaN in the input spreads over the output tiles it touches (a transform adds
// it into neighbours, and 0·Inf is NaN), where a direct convolution confines it to the
// outputs whose receptive fields hold it.
type ConvAlgorithm int

const (
	AutoAlgorithm  ConvAlgorithm = iota // Winograd where measured faster and within its error bound, else Direct
	Direct                              // the direct (indirect-GEMM) convolution: every layer
	Winograd                            // Winograd F(4×4,3×3): 3×3 kernels, stride 1, dilation 1
	Winograd2x2                         // Winograd F(2×2,3×3): more accurate, less fast
	convAlgorithms                      // the number of algorithms
)

var algorithmNames = [convAlgorithms]string{"auto", "direct", "winograd", "winograd2x2"}

// String returns the algorithm's name: "auto", "direct", "winograd" or "winograd2x2".
func (a ConvAlgorithm) String() string {
	if a >= 0 && a < convAlgorithms {
		return algorithmNames[a]
	}
	return "ConvAlgorithm(" + strconv.Itoa(int(a)) + ")"
}

// checkAlgorithm validates cfg.Algorithm for a Conv2D of shape s.
func (c Conv2DConfig) checkAlgorithm(s *generic.Conv) error {
	a := c.Algorithm
	if a < 0 || a >= convAlgorithms {
		return layerErrorf(ErrConfig, "kernels: Conv2D Algorithm is %v, want AutoAlgorithm, Direct, Winograd or Winograd2x2", a)
	}
	if a != Winograd && a != Winograd2x2 {
		return nil
	}
	switch {
	case s.H.K != 3 || s.W.K != 3:
		return layerErrorf(ErrConfig, "kernels: Conv2D Algorithm %v needs a 3×3 kernel, not %d×%d", a, s.H.K, s.W.K)
	case s.H.Stride != 1 || s.W.Stride != 1:
		return layerErrorf(ErrConfig, "kernels: Conv2D Algorithm %v needs stride 1, not %d,%d", a, s.H.Stride, s.W.Stride)
	case s.H.Dilation != 1 || s.W.Dilation != 1:
		return layerErrorf(ErrConfig, "kernels: Conv2D Algorithm %v needs dilation 1, not %d,%d", a, s.H.Dilation, s.W.Dilation)
	}
	return nil
}

// checkTransposeAlgorithm validates a Conv2DTranspose's Algorithm: it has one way to
// compute, so only AutoAlgorithm and Direct name it.
func checkTransposeAlgorithm(a ConvAlgorithm) error {
	if a != AutoAlgorithm && a != Direct {
		return layerErrorf(ErrConfig, "kernels: Conv2DTranspose Algorithm is %v, want AutoAlgorithm or Direct (it has no Winograd path)", a)
	}
	return nil
}

// winogradBound is the documented bound on alg's error relative to Σ|x·w| (the table
// on ConvAlgorithm) for a layer of inC input channels: several times the worst measured
// on random layers (TestWinogradErrorTable). With few channels an output's error
// averages over fewer products, hence the larger bound below 8. The direct convolution's
// is (9·InC+3)·2⁻²⁴ (with InC ≥ 8, at least 4.5e-6).
func winogradBound(alg ConvAlgorithm, inC int) float64 {
	small := inC < 8
	switch {
	case alg == Winograd && small:
		return 2e-5
	case alg == Winograd:
		return 4e-6
	case alg == Winograd2x2 && small:
		return 4e-6
	case alg == Winograd2x2:
		return 1e-6
	}
	return 0
}

// winogradFits reports whether Winograd applies to the shape s: 3×3, stride 1, dilation 1.
func winogradFits(s *generic.Conv) bool {
	return s.H.K == 3 && s.W.K == 3 && s.H.Stride == 1 && s.W.Stride == 1 && s.H.Dilation == 1 && s.W.Dilation == 1
}

// chooseAlgorithm resolves cfg.Algorithm (already checked) for the shape s: an explicit
// choice stands; AutoAlgorithm picks Winograd only where autoWinograd says it wins.
func chooseAlgorithm(a ConvAlgorithm, s *generic.Conv, im impl) ConvAlgorithm {
	switch {
	case a != AutoAlgorithm:
		return a
	case winogradFits(s):
		return autoWinograd(s, im)
	}
	return Direct
}

// autoWinograd is AutoAlgorithm's choice for a 3×3 stride-1 layer of shape s: Winograd
// where it measured faster at batch 1 and its error bound is within the direct
// convolution's, (9·InC+3)·u, else Direct. The measurements (one thread, AVX-512, on a
// quiet machine: F(2×2) and F(4×4) against direct, effective GFLOPS, medians of three
// runs; H×W×InC→OutC, same padding):
//
//   - few channels lose: the products' depth is InC, too short for the micro-kernel, and
//     the transforms' cost per tile grows with InC + OutC against the products' InC·OutC.
//     With the transforms on the SGEMM kernel, 56²×16→16 measured 0.5× and 0.9×, and
//     Winograd took 32 channels and more (56²×32→32 F(4×4) 1.3×, 28²×32→64 1.6×). The
//     transform kernels (asm/winograd.go) brought the bound down to 16: F(4×4) 56²×16→16
//     1.75×, 28²×16→16 1.4×, 14²×16→16 1.17× (AVX2 1.4×), 56²×16→64 1.8×, 56²×64→16
//     2.4×, 56²×32→32 2.0× (medians of five rounds); below it, 56²×12→12 1.26× (AVX2
//     0.86×), 28²×8→8 0.97×, and under 8 channels the error bound rules Winograd out.
//   - F(4×4) needs tiles to reuse its weights, 4 times the direct ones: 14²×64→64 (16
//     tiles) 1.6×, 14²×128→128 1.6×, 14²×256→256 1.5×, 28²×256→256 2.4×, 56²×64→64 2.2×,
//     112²×64→64 2.4×; with 4 tiles, 7²×128→128 1.1×, 7²×256→256 0.8×, 7²×512→512 0.9×.
//   - F(2×2) takes the 7² layers: 7²×128→128 1.4×, 7²×256→256 1.2×, 7²×512→512 1.15×
//     (its 16 MiB of weights; on the busy machine, sharing memory bandwidth, 0.7 to 0.9×).
//
// Only AVX-512 was measured closely; AVX2 takes the same rule (on a busy machine its
// F(4×4) measured 2 to 3 times its direct convolution on the first three benchmark
// shapes). The pure-Go and NEON paths stay Direct. A batch larger than 1 only adds tiles,
// which favours Winograd.
func autoWinograd(s *generic.Conv, im impl) ConvAlgorithm {
	if im.isa != dispatch.AVX512 && im.isa != dispatch.AVX2 {
		return Direct
	}
	if s.InC < 16 || s.OutC < 16 {
		return Direct
	}
	direct := float64(9*s.InC+3) * float32Roundoff
	tiles := func(m int) int { return ceilDiv(s.H.Out, m) * ceilDiv(s.W.Out, m) }
	// The transformed weights, in floats (at most 4·maxElems: no overflow): 16 MiB is 4<<20.
	weights := func(alpha int) int { return alpha * alpha * s.InC * s.OutC }
	switch {
	case winogradBound(Winograd, s.InC) <= direct && tiles(4) >= 16 && (weights(6) <= 4<<20 || tiles(4) >= 64):
		return Winograd
	case winogradBound(Winograd2x2, s.InC) <= direct && tiles(2) >= 16 && weights(4) <= 4<<20:
		return Winograd2x2
	}
	return Direct
}

// float32Roundoff is u = 2⁻²⁴, the relative rounding error of float32.
const float32Roundoff = 1.0 / (1 << 24)

// winogradTransform holds the constant matrices of F(m×m, 3×3), α = m+2.
type winogradTransform struct {
	m, alpha int
	// bt is Bᵀ (α×α) and at is Aᵀ (m×α), row-major, each followed by zero rows up to
	// maxMR: a micro-kernel reads whole tiles of its A operand.
	bt, at []float32
	g      [][3]float64 // G (α×3), for the filter transform
}

// newWinogradTransform builds F(m×m, 3×3) from the interpolation points pts (α−1 finite
// points, the last point being ∞) by the modified Toom-Cook construction: with
// M(x) = Π (x − p_j) and L_i(x) = M(x)/(x − p_i),
//
//	Aᵀ[j][i] = p_i^j             (row ∞: e_{m−1})
//	G[i][k]  = p_i^k / L_i(p_i)  (row ∞: e_2)
//	Bᵀ[i][k] = coefficient of x^k in L_i(x)  (row ∞: in M(x))
//
// so that y = Aᵀ[(G g) ⊙ (Bᵀ d)] is the correlation y_j = Σ_k d_{j+k}·g_k.
func newWinogradTransform(m int, pts []float64) *winogradTransform {
	alpha := m + 2
	if len(pts) != alpha-1 {
		panic("kernels: winograd points: want m+1 finite points")
	}
	t := &winogradTransform{m: m, alpha: alpha,
		bt: make([]float32, maxMR*alpha), at: make([]float32, maxMR*alpha), g: make([][3]float64, alpha)}
	// poly multiplies the polynomial c (coefficients by increasing degree) by (x − p).
	poly := func(c []float64, p float64) []float64 {
		r := make([]float64, len(c)+1)
		for k, v := range c {
			r[k+1] += v
			r[k] -= p * v
		}
		return r
	}
	full := []float64{1}
	for _, p := range pts {
		full = poly(full, p)
	}
	for i, p := range pts {
		li, norm := []float64{1}, 1.0
		for j, q := range pts {
			if j != i {
				li = poly(li, q)
				norm *= p - q
			}
		}
		for k, v := range li {
			t.bt[i*alpha+k] = float32(v)
		}
		pow := 1.0
		for k := range 3 {
			t.g[i][k] = pow / norm
			pow *= p
		}
		pow = 1
		for j := range m {
			t.at[j*alpha+i] = float32(pow)
			pow *= p
		}
	}
	last := alpha - 1
	for k, v := range full {
		t.bt[last*alpha+k] = float32(v)
	}
	t.g[last][2] = 1
	t.at[(m-1)*alpha+last] = 1
	return t
}

// The transforms. F(2×2) takes Lavin's points 0, ±1. F(4×4) takes 0, ±1, ½, −2 rather
// than Lavin's 0, ±1, ±2: Barabasz et al. ("Error analysis and improving the accuracy of
// Winograd convolution for deep neural networks", 2020) find smaller errors with a point
// and the inverse of its negation; half the error here (see the table on ConvAlgorithm).
var (
	winograd2x2 = newWinogradTransform(2, []float64{0, 1, -1})
	winograd4x4 = newWinogradTransform(4, winograd4x4Points)
)

var winograd4x4Points = []float64{0, 1, -1, 0.5, -2}

// index is the transform's entry in isaKernels.winograd: 0 for F(2×2), 1 for F(4×4).
func (t *winogradTransform) index() int {
	if t.m == 2 {
		return 0
	}
	return 1
}

func winogradTransformFor(a ConvAlgorithm) *winogradTransform {
	if a == Winograd2x2 {
		return winograd2x2
	}
	return winograd4x4
}

// winogradConv is what the Winograd path keeps of a layer.
type winogradConv struct {
	tr             *winogradTransform
	u              []packedWeights // U_ξ = (G g Gᵀ)_ξ, InC×OutC, for the α² positions ξ
	tilesH, tilesW int             // output tiles per image
	tb             int             // tiles per block
	ep             epilogue
	// noBias is OutC −0s, the bias the output transform kernel adds when the layer has
	// none (x + −0 is x, whatever x).
	noBias []float32
}

// newWinogradConv transforms and packs the HWIO filter of the 3×3 layer s for im.
func newWinogradConv(im impl, s *generic.Conv, filter []float32, ep epilogue, alg ConvAlgorithm) *winogradConv {
	tr := winogradTransformFor(alg)
	a, m := tr.alpha, tr.m
	w := &winogradConv{tr: tr, tilesH: ceilDiv(s.H.Out, m), tilesW: ceilDiv(s.W.Out, m), ep: ep}
	inC, outC := s.InC, s.OutC
	// gg[i][kx] = Σ_ky G[i][ky]·g[ky][kx], then U[i][j] = Σ_kx gg[i][kx]·G[j][kx], one
	// (ic, oc) pair at a time, in float64.
	u := make([]float32, a*a*inC*outC)
	var gg [8][3]float64
	for ic := range inC {
		for oc := range outC {
			for i := range a {
				for kx := range 3 {
					v := 0.0
					for ky := range 3 {
						v += tr.g[i][ky] * float64(filter[((ky*3+kx)*inC+ic)*outC+oc])
					}
					gg[i][kx] = v
				}
			}
			for i := range a {
				for j := range a {
					v := 0.0
					for kx := range 3 {
						v += gg[i][kx] * tr.g[j][kx]
					}
					u[((i*a+j)*inC+ic)*outC+oc] = float32(v)
				}
			}
		}
	}
	w.u = make([]packedWeights, a*a)
	for xi := range w.u {
		w.u[xi] = packWeights(im, u[xi*inC*outC:], outC, false, inC, outC)
	}
	w.tb = winogradBlock(im, tr, inC, outC)
	if im.winograd[tr.index()].output != nil && ep.bias == nil {
		w.noBias = make([]float32, outC)
		for i := range w.noBias {
			w.noBias[i] = float32(math.Copysign(0, -1))
		}
	}
	return w
}

// winogradBlock returns how many tiles a block holds, in whole MR-row tiles of the
// micro-kernel. Where the α² packed weight matrices (α²·InC·OutC floats) fit in about
// half of L2 (whose size the blocking's MC·KC, a quarter of it rounded down, gives), they
// stay there from block to block, and the smallest block, one MR-row tile, keeps the
// transformed data closest: 56²×64→64, F(4×4), 12 tiles a block against 60: 230 against
// 196 GFLOPS; F(2×2), 12 against 132: 122 against 116 (medians of four interleaved runs).
// The bound is 5/8 of 4·MC·KC, not a half: 28²×128→128 F(2×2) weighs exactly half of a
// 2 MiB L2, 1.6% over half of 4·MC·KC, and with the transform kernels (asm/winograd.go)
// ran 12 tiles a block at 255 against 72 tiles at 211 GFLOPS (AVX-512, medians of
// seven interleaved runs; faster in every one); the other benchmark shapes keep their
// blocks (BenchmarkWinogradBlock, re-run with the transform kernels). Otherwise a block
// holds enough tiles that re-reading the weights once a block costs no more than writing
// and reading its transformed input and products (2·α²·(InC+OutC) floats a tile), and at
// least as many as keep those within half of L2 (28²×128→128, F(4×4): 36 tiles 259, 12
// tiles 212); at most MC, the rows of A the layers' GEMM takes per block.
func winogradBlock(im impl, tr *winogradTransform, inC, outC int) int {
	bl := im.blocking
	l2 := 4 * bl.MC * bl.KC // floats
	if tr.alpha*tr.alpha*inC*outC <= l2*5/8 {
		return bl.MR
	}
	inL2 := l2 / 2 / (tr.alpha * tr.alpha * (inC + outC))
	reuse := inC * outC / (2 * (inC + outC))
	return clampInt(roundUp(max(inL2, reuse), bl.MR), bl.MR, bl.MC)
}

func clampInt(v, lo, hi int) int { return max(lo, min(v, hi)) }

// scratchLen returns the floats one thread's scratch takes for a layer with inC and
// outC channels: V and M for a block, Z for a strip of a block's tiles, P for a tile,
// and a tile of B operand for reads that would run past a slice's end.
func (w *winogradConv) scratch(buf []float32, inC, outC, nr int) (v, mm, z, p, edge []float32) {
	a, m := w.tr.alpha, w.tr.m
	seg := (min(w.tb, w.tilesW)-1)*m + a
	take := func(n int) []float32 {
		s := buf[:n:n]
		buf = buf[n:]
		return s
	}
	v = take(a*a*w.tb*inC + maxMR*inC)
	mm = take(a*a*w.tb*outC + nr)
	z = take(a*seg*inC + nr)
	p = take(a*m*outC + nr)
	edge = take(a * nr)
	return
}

func (w *winogradConv) scratchLen(inC, outC, nr int) int {
	a, m := w.tr.alpha, w.tr.m
	seg := (min(w.tb, w.tilesW)-1)*m + a
	return a*a*w.tb*inC + maxMR*inC + a*a*w.tb*outC + nr + a*seg*inC + nr + a*m*outC + nr + a*nr
}

// forward computes dst from src (n images). The tasks the threads share are blocks of
// tiles, each transformed, multiplied and transformed back by one thread in its own
// scratch; when there are fewer blocks than threads, a block is also cut into chunks of
// the weight panels (output channels), each thread that takes a chunk transforming the
// block's input for itself. Every output is computed by the same calls in the same order
// whatever the split, so results do not depend on the threads.
func (w *winogradConv) forward(im impl, s *generic.Conv, dst, src []float32, n int) {
	j := winogradJobPool.Get().(*winogradJob)
	*j = winogradJob{w: w, im: im, s: s, dst: dst, src: src}
	tiles := n * w.tilesH * w.tilesW
	// Blocks of at most tb tiles, as equal as they can be: 196 tiles are four blocks of
	// 49, not three of 60 and one of 16, which would leave a second thread idle.
	blocks := ceilDiv(tiles, w.tb)
	panels := ceilDiv(s.OutC, im.kernel.nr)
	a := w.tr.alpha
	flops := 2 * float64(tiles) * float64(a*a) * float64(s.InC) * float64(s.OutC)
	threads := threadsFor(flops, im.blocking.MinFlopsPerThread, blocks*panels)
	j.tiles, j.per = tiles, ceilDiv(tiles, blocks)
	j.tasks = newTaskGrid(blocks, panels, threads, 1)
	parallel(threads, j)
	w.ep.finishRows(&im.isaKernels, dst, s.OutC, n*s.H.Out*s.W.Out, s.OutC)
	*j = winogradJob{}
	winogradJobPool.Put(j)
}

// winogradJob is one forward call, shared by its threads.
type winogradJob struct {
	w        *winogradConv
	im       impl
	s        *generic.Conv
	dst, src []float32
	tiles    int
	per      int      // tiles per block, at most tb
	tasks    taskGrid // groups: blocks of tiles; units: weight panels
}

var winogradJobPool = sync.Pool{New: func() any { return new(winogradJob) }}

func (j *winogradJob) run(t *team, id int) {
	w, s := j.w, j.s
	nr := j.im.kernel.nr
	buf := t.buffer(id, w.scratchLen(s.InC, s.OutC, nr))
	v, mm, z, p, edge := w.scratch(buf, s.InC, s.OutC, nr)
	transformed := -1 // the block whose input v holds
	t.forEachTask(id, j.tasks.groups, j.tasks.perGroup, func(block, task int) {
		t0 := block * j.per
		count := min(j.per, j.tiles-t0)
		if block != transformed {
			j.input(v, z, edge, t0, count)
			transformed = block
		}
		lo := task * j.tasks.span * nr
		hi := min(s.OutC, lo+j.tasks.span*nr)
		j.multiply(v, mm, count, lo, hi)
		j.output(mm, p, edge, t0, count, lo, hi)
	})
}

// tile returns image, tile row and tile column of tile t, counting in row-major order.
func (w *winogradConv) tile(t int) (b, ty, tx int) {
	per := w.tilesH * w.tilesW
	return t / per, t % per / w.tilesW, t % w.tilesW
}

// input writes V_ξ (the count×InC matrices, row stride InC, one every tb·InC floats) for
// the tiles from t0, a strip of tiles (a run along one tile row) at a time.
func (j *winogradJob) input(v, z, edge []float32, t0, count int) {
	w, s, tr := j.w, j.s, j.w.tr
	if kern := j.im.winograd[tr.index()].input; kern != nil {
		j.inputTiles(kern, v, z, t0, count)
		return
	}
	a, m, inC := tr.alpha, tr.m, s.InC
	ldv := w.tb * inC
	for t := t0; t < t0+count; {
		b, ty, tx := w.tile(t)
		run := min(t0+count-t, w.tilesW-tx)
		// The strip's input: rows iy0 … iy0+α−1, columns ix0 … ix0+pix−1; those outside
		// the image are padding, zeros.
		iy0, ix0 := ty*m-s.H.Pad, tx*m-s.W.Pad
		pix := (run-1)*m + a
		ldz := pix * inC
		rLo, rHi := max(0, -iy0), min(a, s.H.In-iy0)
		xLo, xHi := max(0, -ix0), min(pix, s.W.In-ix0)
		// Pass 1: Z = Bᵀ·D over the strip's columns, D's rows read in place. Rows of D in
		// the padding drop out of the sum; columns in it give zero columns of Z.
		for r := range a {
			clear(z[r*ldz : r*ldz+xLo*inC])
			clear(z[r*ldz+xHi*inC : (r+1)*ldz])
		}
		if rLo < rHi && xLo < xHi {
			from := ((b*s.H.In+iy0+rLo)*s.W.In + ix0 + xLo) * inC
			j.small(a, rHi-rLo, tr.bt[rLo:], a, j.src[from:], s.W.In*inC, (xHi-xLo)*inC, z[xLo*inC:], ldz, edge)
		} else {
			clear(z[:a*ldz])
		}
		// Pass 2: V[y][x'] = Σ_x Bᵀ[x'][x]·Z[y][x], per tile and row y of Z.
		for i := range run {
			col := (t - t0 + i) * inC
			for y := range a {
				j.small(a, a, tr.bt, a, z[y*ldz+i*m*inC:], inC, inC, v[y*a*ldv+col:], ldv, edge)
			}
		}
		t += run
	}
}

// inputTiles is input on the ISA's transform kernel, a tile at a time: in place where
// the tile lies within the image, else from a copy of it in z, zero-padded to α×α.
func (j *winogradJob) inputTiles(kern func(n int, src []float32, rowStride, colStride int, dst []float32, ldv int), v, z []float32, t0, count int) {
	w, s, tr := j.w, j.s, j.w.tr
	a, m, inC := tr.alpha, tr.m, s.InC
	ldv := w.tb * inC
	for i := range count {
		b, ty, tx := w.tile(t0 + i)
		iy0, ix0 := ty*m-s.H.Pad, tx*m-s.W.Pad
		if iy0 >= 0 && ix0 >= 0 && iy0+a <= s.H.In && ix0+a <= s.W.In {
			kern(inC, j.src[((b*s.H.In+iy0)*s.W.In+ix0)*inC:], s.W.In*inC, inC, v[i*inC:], ldv)
			continue
		}
		pad := z[:a*a*inC]
		clear(pad)
		xLo, xHi := max(0, -ix0), min(a, s.W.In-ix0)
		for r := max(0, -iy0); r < min(a, s.H.In-iy0) && xLo < xHi; r++ {
			from := ((b*s.H.In+iy0+r)*s.W.In + ix0 + xLo) * inC
			copy(pad[(r*a+xLo)*inC:(r*a+xHi)*inC], j.src[from:])
		}
		kern(inC, pad, a*inC, inC, v[i*inC:], ldv)
	}
}

// multiply computes columns [lo, hi) (lo a multiple of NR) of M_ξ = V_ξ·U_ξ (count×OutC,
// row stride OutC, one every tb·OutC floats) for every position ξ, with the layers'
// loops: for each KC slice and NR panel of U_ξ (in L1), every MR-row tile of V_ξ.
func (j *winogradJob) multiply(v, mm []float32, count, lo, hi int) {
	w, s, im := j.w, j.s, &j.im
	inC, outC := s.InC, s.OutC
	nr, kcMax := im.kernel.nr, im.blocking.KC
	// Where the kernel has a column loop, the whole MR-row tiles take it, one call a
	// panel, which prefetches the next panel of U_ξ under this one's tiles, and the rows
	// left the smallest kernel that covers them (AVX-512, against equal tiles, calls
	// alternating in one process, one thread and two: 3×3 28²×128 1.09× and 1.18×,
	// 14²×256 1.10× and 1.08×, 7²×512 1.12–1.13× and 1.10×, 28²×256 1.12× and 1.09×,
	// 14²×128 1.07–1.09× and 1.01–1.02×; 56²×64, 28²×64, 14²×64, 56²×128 0.99–1.01×).
	// Otherwise the rows are cut into equal tiles: 16 are two 8-row tiles, not a 12-row
	// one and a 4-row one that loads a B vector for every two FMAs (14²×256→256, F(4×4),
	// tile by tile: 127 → 153 GFLOPS, medians of three interleaved runs).
	column, whole, mr := im.kernel.column, 0, ceilDiv(count, ceilDiv(count, im.kernel.mr))
	if column != nil {
		whole, mr = count/im.kernel.mr, im.kernel.mr
	}
	for xi := range w.u {
		u := &w.u[xi]
		vx, mx := v[xi*w.tb*inC:], mm[xi*w.tb*outC:]
		for pc, kc := 0, 0; pc < inC; pc += kc {
			kc = balancedStep(inC-pc, kcMax)
			beta := float32(1)
			if pc == 0 {
				beta = 0
			}
			for jr := lo; jr < hi; jr += nr {
				panel := u.data[jr*inC+pc*nr:]
				cols := min(nr, hi-jr)
				if whole > 0 {
					next := 0
					if jr+nr < hi {
						next = nr * inC
					}
					column(whole, kc, vx[pc:], inC, 1, mr*inC, panel, nr, next, nil, mx[jr:], outC, 1, beta, cols)
				}
				for ir := whole * mr; ir < count; ir += mr {
					rows := min(mr, count-ir)
					im.kernelFor(rows).tile(kc, vx[ir*inC+pc:], inC, 1, panel, nr, mx[ir*outC+jr:], outC, 1, beta, rows, cols)
				}
			}
		}
	}
}

// output transforms columns [lo, hi) of M back into the output tiles of tiles t0 …
// t0+count−1, in dst, then applies the bias and activation to each.
func (j *winogradJob) output(mm, p, edge []float32, t0, count, lo, hi int) {
	w, s, tr, im := j.w, j.s, j.w.tr, &j.im
	a, m, outC := tr.alpha, tr.m, s.OutC
	ldm := w.tb * outC
	ldDst := s.W.Out * outC
	width := hi - lo
	ep := w.ep.cols(lo)
	if kern := im.winograd[tr.index()].output; kern != nil {
		// The kernel adds the bias and ReLU; other activations run over the tile after.
		bias := ep.bias
		if bias == nil {
			bias = w.noBias[lo:]
		}
		for i := range count {
			b, ty, tx := w.tile(t0 + i)
			oy, ox := ty*m, tx*m
			rows, cols := min(m, s.H.Out-oy), min(m, s.W.Out-ox)
			out := j.dst[((b*s.H.Out+oy)*s.W.Out+ox)*outC+lo:]
			kern(width, mm[i*outC+lo:], ldm, out, ldDst, outC, bias, ep.relu, rows, cols)
			if ep.elementwise() {
				for r := range rows {
					im.activateRows(ep.act, out[r*ldDst:], outC, cols, width)
				}
			}
		}
		return
	}
	for i := range count {
		b, ty, tx := w.tile(t0 + i)
		oy, ox := ty*m, tx*m
		rows, cols := min(m, s.H.Out-oy), min(m, s.W.Out-ox)
		// Pass 1: P[y][x'] = Σ_x Aᵀ[x'][x]·M[y][x], for the tile's cols columns x'.
		for y := range a {
			j.small(cols, a, tr.at, a, mm[y*a*ldm+i*outC+lo:], ldm, width, p[y*m*outC+lo:], outC, edge)
		}
		// Pass 2: Y[y'][x'] = Σ_y Aᵀ[y'][y]·P[y][x'], straight into dst: all of the
		// tile's columns at once, or, for a chunk of the channels, one column at a time.
		out := j.dst[((b*s.H.Out+oy)*s.W.Out+ox)*outC:]
		if width == outC {
			j.small(rows, a, tr.at, a, p, m*outC, cols*outC, out, ldDst, edge)
		} else {
			for x := range cols {
				j.small(rows, a, tr.at, a, p[x*outC+lo:], m*outC, width, out[x*outC+lo:], ldDst, edge)
			}
		}
		if !ep.none() {
			for r := range rows { // the tile's pixels along a row are a rows×width block
				ep.apply(&im.isaKernels, out[r*ldDst+lo:], outC, cols, width)
			}
		}
	}
}

// small computes the rows×n product C = A·B for a small A (rows×k, row stride lda,
// with whole micro-kernel tiles of rows readable) and B (k×n, row stride rsB) on the
// micro-kernel, C's row stride ldc. The kernel reads whole NR-column rows of B: where
// that would run past the end of b, the panel is copied into edge (k×NR) first.
func (j *winogradJob) small(rows, k int, a []float32, lda int, b []float32, rsB, n int, c []float32, ldc int, edge []float32) {
	im := &j.im // not a copy: impl is large, and this runs tens of times a tile
	nr := im.kernel.nr
	first := im.kernelFor(min(rows, im.kernel.mr)) // every tile's kernel but maybe the last
	for jr := 0; jr < n; jr += nr {
		cols := min(nr, n-jr)
		panel, rs := b[jr:], rsB
		if len(panel) < (k-1)*rsB+nr {
			panel, rs = edge[:k*nr], nr
			for p := range k {
				copy(panel[p*nr:p*nr+cols], b[jr+p*rsB:])
				clear(panel[p*nr+cols : (p+1)*nr])
			}
		}
		for ir := 0; ir < rows; ir += first.mr {
			r := min(first.mr, rows-ir)
			if r == min(rows, first.mr) {
				first.tile(k, a[ir*lda:], lda, 1, panel, rs, c[ir*ldc+jr:], ldc, 1, 0, r, cols)
			} else {
				im.kernelFor(r).tile(k, a[ir*lda:], lda, 1, panel, rs, c[ir*ldc+jr:], ldc, 1, 0, r, cols)
			}
		}
	}
}
