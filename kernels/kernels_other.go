//go:build purego || noasm || !(amd64 || arm64)

package kernels

import "github.com/simdnn/simdnn/dispatch"

// simdKernels is empty where this build has no assembly micro-kernels.
var simdKernels = map[dispatch.ISA]isaKernels{}
