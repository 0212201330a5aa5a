// Package kernels is simdnn's public API: FP32 matrix multiplication (Sgemm, with
// gonum's BLAS semantics) and Keras layers (Conv2D, Conv2DTranspose, Dense and more) for
// inference on the CPU. The work runs on SIMD micro-kernels in Go assembly (AVX-512 and
// AVX2 on amd64, NEON on arm64) chosen at run time by CPU feature, or on plain Go; there
// is no cgo, so the package cross-compiles like any other. Every path is tested against
// the plain-Go references in package [github.com/simdnn/simdnn/generic] and the layers
// against golden outputs of Keras's layers (TensorFlow.js).
//
// # Layers
//
// A layer is built once by its constructor (NewConv2D, NewConv2DTranspose, NewDense,
// ...) from a configuration and, for the layers that have them, weights in Keras's
// layout, which it checks and packs for the chosen micro-kernels; it is immutable
// afterwards, and its Forward method runs it on a batch. Each follows the definition of
// its Keras namesake: Padding is Keras's valid or same, output sizes are Keras's
// (OutputSize reports them), ParamCount counts as Keras's model.summary() does, and the
// bias and then the Activation are applied to the outputs.
//
// The activations are Keras's: Linear, ReLU, ReLU6, LeakyReLU (slope 0.2, Keras's
// "leaky_relu"), Sigmoid, Tanh, Swish, GELU (the exact erf form) and Softmax (over each
// output pixel's channels, or each Dense row). ReLU runs in the convolution kernels'
// store, or with the bias on a GEMM's tile as soon as it is stored; the others run on
// each tile right after that, while it is in L1, on vector kernels within a few ulps of
// the references (their docs give the bounds); Softmax once a row is done.
// MaxPooling2D, AveragePooling2D and GlobalAveragePooling2D have no weights; Activate and
// LeakyReLUAlpha are Keras's Activation, Softmax and LeakyReLU layers on their own.
//
// A 3×3 stride-1 Conv2D may also run by Winograd's minimal filtering, F(4×4,3×3) or
// F(2×2,3×3), chosen by Conv2DConfig.Algorithm: AutoAlgorithm, the zero value, takes it
// only where it measured faster and its error bound is within the direct convolution's
// (the table is on ConvAlgorithm). Conv2DTranspose runs as stride² sub-convolutions on
// the same indirect kernels as Conv2D.
//
// Forward accepts dst and src longer than the batch needs and uses their prefixes, as
// BLAS routines use slices, so that one buffer sized for the largest batch serves every
// call; nothing past the prefixes is read or written.
//
// # Layouts
//
// Tensors are row-major float32 slices in NHWC order, Keras's default channels_last:
// value c of pixel (y, x) of image b of an H×W×C batch is at ((b·H + y)·W + x)·C + c.
// Dense takes a batch as batch×in rows. Weights have Keras's layouts:
//
//   - Conv2D: filter [KH][KW][InC][OutC] (HWIO), bias [OutC].
//   - Conv2DTranspose: filter [KH][KW][OutC][InC], bias [OutC], where InC is the
//     layer's input channels and OutC its filters (output channels).
//   - Dense: kernel [in][out], bias [out].
//
// A nil bias means none (Keras's use_bias=False).
//
// The Conv2DTranspose layout is the one that lets a Conv2D's filter serve the matching
// transpose unchanged. A Conv2DTranspose is the adjoint (the gradient with respect to the
// input) of one Conv2D: the one with the same kernel size, strides, dilations and
// padding that maps the transpose's output (outH×outW×OutC) back to its input
// (InH×InW×InC). That Conv2D has OutC input channels and InC filters, so its HWIO filter
// is [KH][KW][OutC][InC]: the transpose's own. For each of its output pixels p and
// filters ic, the Conv2D sums x[q][oc]·filter[ky][kx][oc][ic] over its taps (ky, kx) and
// input channels oc, q being the pixel tap (ky, kx) of p reads. The transpose reads the
// same filter from the other side: each value src[p][ic] of its input adds
// src[p][ic]·filter[ky][kx][oc][ic] to channel oc of that pixel q of its output (nothing
// where q is padding). No kernel is flipped or reordered, as in TensorFlow, whose
// conv2d_transpose is conv2d's gradient with respect to its input. For example, the Conv2D from 8×8×3 to 4×4×16 (3×3 kernel,
// stride 2, same padding) and the Conv2DTranspose from 4×4×16 to 8×8×3 with the same
// kernel, stride and padding take one [3][3][3][16] filter. A strided Conv2D maps
// several input sizes to one output size; [Conv2DTransposeConfig].OutputPadding
// (Keras's output_padding) picks which the transpose produces.
//
// PyTorch lays weights out differently: Conv2d [OutC][InC][KH][KW] (OIHW),
// ConvTranspose2d [InC][OutC][KH][KW], Linear [out][in]. [Conv2DFilterFromPyTorch],
// [Conv2DTransposeFilterFromPyTorch] and [DenseKernelFromPyTorch] reorder them; biases carry
// over as they are. PyTorch's convolutions are cross-correlations like Keras's (no kernel
// flip), so reordering is all the weights need. Two things differ beyond the weights:
// PyTorch's tensors are NCHW, to be transposed to NHWC, and PyTorch pads explicitly
// (padding=p zeros on both sides) where Keras chooses between Valid and Same; the
// converters' docs say which configuration matches a PyTorch padding, and when the input
// must be zero-padded (or the output cropped) instead.
//
// # Instruction sets
//
// When the program starts, the package picks the fastest instruction set that both the
// CPU and the build support: on amd64 "avx512" (AVX-512 F, VL and DQ, with AVX2, FMA and
// BMI2), else "avx2" (AVX2 with FMA); on arm64 "neon"; otherwise "generic", plain Go.
// [ISA] reports the choice. Built with the purego or noasm tag, the package compiles no
// assembly and generic is the only choice. Package [github.com/simdnn/simdnn/dispatch] makes the choice; it is an
// internal part of simdnn that nothing needs to call.
//
// The SIMDNN_ISA environment variable (generic, avx2, avx512 or neon), read once at
// start-up, forces another instruction set that the CPU and build support, e.g. to
// compare paths or to rule one out in a bug report. A name that is not one of these, or
// an instruction set this CPU or build lacks, stops the program at start-up with a
// panic saying what is supported, rather than running a path that was not asked for.
// GODEBUG=cpu.avx512f=off, which golang.org/x/sys/cpu honours, hides AVX-512 from the
// detection, so the default becomes avx2.
//
// # Threads
//
// One call uses up to [SetMaxThreads] threads, by default runtime.GOMAXPROCS(0): the
// calling goroutine and helpers from a pool the package starts once, lazily. A helper
// joins a call only if it is idle, so a call never waits for a busy pool, and when many
// goroutines call at once (a server with a goroutine per request) each runs mostly on
// its own goroutine and the machine is not oversubscribed. Work too small to pay for a
// second thread stays on the caller. Calls made from inside another call's work, from
// any goroutine, are safe. Sgemm and every layer's Forward are safe for concurrent use,
// each caller with its own output.
//
// # Determinism
//
// Results are bit-for-bit the same whatever the thread count, the cap, and the number
// of concurrent callers: the cache blocks, register tiles and kernels are chosen by the
// shape alone, threads only choose which tiles they compute, and no sum over the
// reduction dimension (K, or a convolution's taps and channels) is ever split between
// threads or reordered by scheduling. OpenBLAS, MKL and oneDNN do not promise this.
// Results do depend on the instruction set (SIMDNN_ISA, or the CPU), whose kernels sum in
// different orders.
//
// # Errors
//
// The layers' constructors and Forward methods report bad arguments by returning an
// error: a configuration Keras refuses, weights of the wrong length, a batch or a slice
// that does not fit. The message names the layer, the argument and what was wanted
// ("kernels: Conv2D filter has 10 values, want 12 (KH·KW·InC·OutC)"), and the error
// wraps [ErrConfig], [ErrWeights] or [ErrShape], for [errors.Is].
//
// Sgemm, as BLAS routines do, panics instead on a programmer error, with gonum's checks
// in gonum's order and a constant message naming the argument ("kernels: bad leading
// dimension of A", "kernels: insufficient length of c"). The PyTorch converters panic the
// same way ("kernels: bad length of weight").
//
// No bad argument makes any function read or write outside the slices it is given.
package kernels
