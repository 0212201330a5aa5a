//go:build !amd64 || purego || noasm

package kernels

// spinPause is a polling loop's turn (poll). Only amd64's assembly gives the core a hint
// for it (PAUSE); elsewhere it does nothing.
func spinPause() {}
