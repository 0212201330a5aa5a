// Package gonumblas plugs simdnn into gonum: Implementation satisfies gonum's
// blas.Float32, so that one line,
//
//	blas32.Use(gonumblas.Implementation{})
//
// moves a program's blas32 calls (and the gonum code built on them) to simdnn.
//
// # What runs on simdnn
//
// Sgemm and Sgemv run on kernels.Sgemm, simdnn's packed SGEMM and its GEMV path, for
// every transpose, alpha, beta, leading dimension and increment; a negative increment
// goes through pooled scratch, reversed. Sdot runs on simdnn's dot kernel for contiguous
// vectors of 8192 elements or more. Calls too small to repay kernels.Sgemm's setup (a
// few hundred nanoseconds) run gonum's own loops: products of fewer than 1024
// multiply-adds, matrix-vector products of fewer than 3072 matrix elements (512 with
// non-unit increments), shorter or strided dot products. The crossovers were measured
// on an AVX-512 Xeon; tuning.go has the numbers.
//
// Every other routine, Saxpy and Sscal included, is gonum's own, through the embedded
// gonum.Implementation: simdnn has no faster code for them (kernels exports no vector
// axpy or scal; reaching its kernels through kernels.Sgemm made Saxpy 5× and Sscal
// 1.5× slower: BenchmarkLevel1Routes).
//
// # Arguments and panics
//
// The overridden routines check their arguments by gonum's rules and in gonum's order,
// and panic with gonum's own values (strings such as "blas: insufficient length of a"),
// so that a program recovers the same panics as before. As in gonum, beta == 0 means C
// (or y) is not read.
//
// # Threads
//
// A product on simdnn uses up to kernels.SetMaxThreads threads, by default all of
// GOMAXPROCS: the calling goroutine and helpers from kernels' pool, which join a call
// only when idle. Calls are safe from several goroutines at once, each with its own
// output. Its results are the same, bit for bit, for every thread count.
//
// # Results
//
// simdnn sums in other orders than gonum, with fused multiply-adds, so results may
// differ from gonum's in the last bits (within a few float32 ulps times the length of
// the sums). They also differ between instruction sets (SIMDNN_ISA, see package
// kernels). gonum's Sgemm skips the zeros of A (in three transpose cases of four), so
// that an Inf or NaN in B meeting a zero of A does not reach C; simdnn multiplies them,
// as reference BLAS does, and gives NaN.
//
// Only this package imports gonum: a program that imports kernels alone compiles none
// of it.
package gonumblas
