//go:build !noasm

package bench

// gonumName names gonum in the benchmarks. In a default build its float32 level-1
// kernels (f32.AxpyUnitary, under Sgemm's inner loop) are SSE assembly.
const gonumName = "gonum"
