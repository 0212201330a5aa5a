//go:build unix

// Package guard places test slices flush against an unmapped page, so that a kernel that
// reads or writes even one element past the end of a slice crashes the test.
package guard

import (
	"syscall"
	"testing"
	"unsafe"
)

// Float32s returns a slice holding a copy of src whose last element ends exactly where a
// PROT_NONE page begins. The memory is released when the test ends.
func Float32s(t testing.TB, src []float32) []float32 {
	t.Helper()
	page := syscall.Getpagesize()
	size := len(src) * 4
	dataPages := (size + page - 1) / page
	mem, err := syscall.Mmap(-1, 0, (dataPages+1)*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatalf("guard: mmap: %v", err)
	}
	t.Cleanup(func() { syscall.Munmap(mem) })
	if err := syscall.Mprotect(mem[dataPages*page:], syscall.PROT_NONE); err != nil {
		t.Fatalf("guard: mprotect: %v", err)
	}
	if len(src) == 0 {
		return []float32{}
	}
	start := dataPages*page - size
	s := unsafe.Slice((*float32)(unsafe.Pointer(&mem[start])), len(src))
	copy(s, src)
	return s
}
