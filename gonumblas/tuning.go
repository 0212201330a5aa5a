package gonumblas

// The sizes below which a routine runs gonum's own code: a kernels.Sgemm call spends
// 300–600 ns before its first FMA (the GEMV path about 300, the blocked path more),
// while gonum's loops start at once. Each value is the crossover measured with random
// data (gonum skips zeros of A), one thread per call on the 2-core Xeon, medians of 3
// runs of `go test -bench`, gonum against simdnn:
//
//   - Sgemm, m·n·k multiply-adds: 1×16×16 255 against 514 ns, 8³ 647 against 1139
//     (transposed 2103 against 1164), 12³ 3417 against 1777, 16³ 3692 against 888.
//   - Sgemv, m·n elements, unit increments: 48×48 430 against 730 ns (transposed 683
//     against 598), 64×64 737 against 486 (1080 against 474). With other increments
//     gonum's loops are slower: 16×16 198 against 492 ns (transposed 495 against 400),
//     24×24 309 against 404 (982 against 532), 32×32 600 against 516 (972 against 381).
//   - Sdot, n with unit increments (see Sdot): 4096 386 against 378 ns, 8192 1267
//     against 1098.
//
// They are variables so that the tests can set them to zero and run the simdnn path on
// every size.
var (
	sgemmMinMulAdds         int64 = 1024
	sgemvMinElements        int64 = 3072
	sgemvMinElementsStrided int64 = 512
	sdotMinN                      = 8192
)
