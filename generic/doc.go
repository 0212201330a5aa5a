// Package generic holds simdnn's plain-Go reference implementations: code that reads
// like the definitions (GEMM, Keras's convolutions and Dense, the vector
// routines), against which every fast path in package kernels is tested and fuzzed, and
// the pure-Go micro-kernels that kernels falls back on where no SIMD path exists or the
// purego or noasm build tag is set.
//
// It is an internal part of simdnn, importable for simdnn's own tests and benchmarks.
// Users call package kernels, which checks arguments and runs the fastest path; the
// functions here trust their arguments, are written to be obviously right rather than
// fast, and their API may change in any release.
package generic
