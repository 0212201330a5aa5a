module github.com/simdnn/simdnn

go 1.24.0

require (
	github.com/klauspost/cpuid/v2 v2.3.0
	golang.org/x/sys v0.40.0
	gonum.org/v1/gonum v0.16.0
)
