// Package kernels is simdnn's public API: FP32 GEMM (Sgemm, with gonum's semantics) and
// the Keras layers Conv2D, Conv2DTranspose and Dense, on SIMD micro-kernels (AVX-512,
// AVX2, NEON) chosen at run time by CPU feature, or plain Go under the purego tag.
//
// # Threads
//
// One call uses up to SetMaxThreads threads, by default runtime.GOMAXPROCS(0): the
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
// threads or reordered by scheduling. OpenBLAS, MKL and oneDNN do not promise this. Results do depend on the
// instruction set (SIMDNN_ISA, or the CPU), whose kernels sum in different orders.
package kernels
