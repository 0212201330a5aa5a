//go:build noasm

package bench

// gonumName names gonum built with its noasm tag: pure Go throughout, the like-for-like
// peer of simdnn's generic path (the tag also keeps simdnn to it).
const gonumName = "gonum-purego"
