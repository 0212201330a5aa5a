//go:build purego || noasm || !(amd64 || arm64)

package dispatch

// simdISAs: this build has no assembly, so only the generic path exists.
func simdISAs() []ISA { return nil }
