module github.com/simdnn/simdnn/bench

go 1.24.0

replace github.com/simdnn/simdnn => ../

require (
	github.com/simdnn/simdnn v0.0.0-00010101000000-000000000000
	gonum.org/v1/gonum v0.16.0
)

require (
	github.com/klauspost/cpuid/v2 v2.3.0 // indirect
	golang.org/x/sys v0.40.0 // indirect
)
