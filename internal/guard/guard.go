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
func Float32s(t testing.TB, src []float32) []float32 { return Slice(t, src) }

// Slice is Float32s for any element type without pointers.
func Slice[E any](t testing.TB, src []E) []E {
	t.Helper()
	var e E
	elem := int(unsafe.Sizeof(e))
	page := syscall.Getpagesize()
	size := len(src) * elem
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
		return []E{}
	}
	start := dataPages*page - size
	s := unsafe.Slice((*E)(unsafe.Pointer(&mem[start])), len(src))
	copy(s, src)
	return s
}
