//go:build (amd64 || arm64) && !purego && !noasm

package kernels

// The wrappers turn slices into the pointers the assembly takes, the same for every ISA.
// The drivers guarantee the extents each kernel's contract reads; the index expressions
// here only make a violation of that panic in Go rather than fault in assembly.

// gemmAsm wraps a generated SGEMM micro-kernel of tile mr×nr.
func gemmAsm(name string, mr, nr int,
	asm func(k int, a *float32, rsA, csA int, b *float32, rsB int, c *float32, ldc int, alpha, beta float32, mr, nr int),
	packRows func(k int, a *float32, lda int, dst *float32)) gemmKernel {
	kern := gemmKernel{name: name, mr: mr, nr: nr}
	kern.tile = func(k int, a []float32, rsA, csA int, b []float32, rsB int, c []float32, ldc int, alpha, beta float32, rows, cols int) {
		asm(k, &a[0], rsA, csA, &b[0], rsB, &c[0], ldc, alpha, beta, rows, cols)
	}
	if packRows != nil {
		kern.packRows = func(k int, a []float32, lda int, dst []float32) {
			_, _ = a[(mr-1)*lda+k-1], dst[mr*k-1]
			packRows(k, &a[0], lda, &dst[0])
		}
	}
	return kern
}

// withTransBPack adds to kern, a generated SGEMM kernel, its generated packing of a
// panel of transposed B, checking its operands.
func withTransBPack(kern gemmKernel, asm func(k int, b *float32, ldb int, dst *float32)) gemmKernel {
	nr := kern.nr
	kern.packTransB = func(k int, b []float32, ldb int, dst []float32) {
		_, _ = b[(nr-1)*ldb+k-1], dst[nr*k-1]
		asm(k, &b[0], ldb, &dst[0])
	}
	return kern
}

// withColumn adds to kern, a generated SGEMM kernel, its generated column variant,
// checking its operands: once a column, which a check per tile would not be.
func withColumn(kern gemmKernel, asm func(tiles, k int, a *float32, rsA, csA, aStep int, b *float32, rsB, bNext int, bCopy, c *float32, ldc int, alpha, beta float32, nr int)) gemmKernel {
	mr, nr := kern.mr, kern.nr
	kern.column = func(tiles, k int, a []float32, rsA, csA, aStep int, b []float32, rsB, bNext int, bCopy, c []float32, ldc int, alpha, beta float32, cols int) {
		_, _, _ = a[(tiles-1)*aStep+(mr-1)*rsA+(k-1)*csA], b[(k-1)*rsB+nr-1], c[(tiles*mr-1)*ldc+cols-1]
		if bNext > 0 {
			_ = b[bNext+(k-1)*rsB+nr-1] // prefetched only, but kept to the slice all the same
		}
		var copyTo *float32
		if bCopy != nil {
			if csA != 1 && (rsA != 1 || csA != mr) {
				panic("kernels: column kernel copying B with A strides other than packed or row-major")
			}
			_ = bCopy[k*nr-1]
			copyTo = &bCopy[0]
		}
		asm(tiles, k, &a[0], rsA, csA, aStep, &b[0], rsB, bNext, copyTo, &c[0], ldc, alpha, beta, cols)
	}
	return kern
}

// convAsm wraps a generated indirect convolution micro-kernel of tile mr×nr. It checks
// every operand but src, whose extent the driver guarantees when it builds the offsets:
// checking them here would cost a pass over them per tile.
func convAsm(name string, mr, nr int,
	asm func(taps, k int, ind *int32, src, zero, w, bias, c *float32, ldc, mr, nr int, relu bool)) convKernel {
	kern := convKernel{name: name, mr: mr, nr: nr}
	kern.tile = func(taps, k int, ind []int32, src, zero, w, bias, c []float32, ldc, rows, cols int, relu bool) {
		_, _, _, _, _ = ind[taps*mr-1], zero[k-1], w[taps*k*nr-1], bias[nr-1], c[(rows-1)*ldc+cols-1]
		asm(taps, k, &ind[0], &src[0], &zero[0], &w[0], &bias[0], &c[0], ldc, rows, cols, relu)
	}
	return kern
}

// withPanels adds to kern, a generated indirect convolution kernel, its generated
// row-of-panels variant, checking its operands as convAsm does.
func withPanels(kern convKernel, asm func(panels, taps, k int, ind *int32, src, zero, w, bias, c *float32, ldc, mr int, relu bool)) convKernel {
	mr, nr := kern.mr, kern.nr
	kern.panelsTile = func(panels, taps, k int, ind []int32, src, zero, w, bias, c []float32, ldc, rows int, relu bool) {
		_, _, _, _, _ = ind[taps*mr-1], zero[k-1], w[panels*taps*k*nr-1], bias[panels*nr-1], c[(rows-1)*ldc+panels*nr-1]
		asm(panels, taps, k, &ind[0], &src[0], &zero[0], &w[0], &bias[0], &c[0], ldc, rows, relu)
	}
	return kern
}

// rowConvAsm wraps a generated row convolution micro-kernel of tile mr×nr, checking its
// operands as convAsm does.
func rowConvAsm(name string, mr, nr int,
	asm func(taps, k int, ind *int32, stride int, src, zero, w, bias, c *float32, ldc, pixels, nr int, relu bool)) convKernel {
	kern := convKernel{name: name, mr: mr, nr: nr}
	kern.rowTile = func(taps, k int, ind []int32, stride int, src, zero, w, bias, c []float32, ldc, pixels, cols int, relu bool) {
		_, _, _, _, _ = ind[taps-1], zero[(mr-1)*stride+k-1], w[taps*k*nr-1], bias[nr-1], c[(pixels-1)*ldc+cols-1]
		asm(taps, k, &ind[0], stride, &src[0], &zero[0], &w[0], &bias[0], &c[0], ldc, pixels, cols, relu)
	}
	return kern
}

// dotAsm wraps a generated dot product: Σ x[i]·y[i] over len(x).
func dotAsm(asm func(n int, x, y *float32) float32) func(x, y []float32) float32 {
	return func(x, y []float32) float32 {
		if len(x) == 0 {
			return 0
		}
		_ = y[len(x)-1]
		return asm(len(x), &x[0], &y[0])
	}
}

// dot4Asm wraps a generated four-row dot product.
func dot4Asm(asm func(n int, x, a *float32, lda int, out *float32)) func(x, a []float32, lda int, out []float32) {
	return func(x, a []float32, lda int, out []float32) {
		if len(x) == 0 {
			clear(out[:4])
			return
		}
		_, _ = out[3], a[3*lda+len(x)-1]
		asm(len(x), &x[0], &a[0], lda, &out[0])
	}
}

// axpyAsm wraps a generated axpy: y += alpha·x over len(x).
func axpyAsm(asm func(n int, alpha float32, x, y *float32)) func(alpha float32, x, y []float32) {
	return func(alpha float32, x, y []float32) {
		if len(x) == 0 {
			return
		}
		_ = y[len(x)-1]
		asm(len(x), alpha, &x[0], &y[0])
	}
}

// axpy4Asm wraps a generated four-row axpy over len(y).
func axpy4Asm(asm func(n int, x, b *float32, ldb int, y *float32)) func(x, b []float32, ldb int, y []float32) {
	return func(x, b []float32, ldb int, y []float32) {
		if len(y) == 0 {
			return
		}
		_, _ = x[3], b[3*ldb+len(y)-1]
		asm(len(y), &x[0], &b[0], ldb, &y[0])
	}
}

// biasActAsm wraps a generated epilogue kernel.
func biasActAsm(asm func(m, n int, c *float32, ldc int, bias *float32, relu bool)) func(m, n int, c []float32, ldc int, bias []float32, relu bool) {
	return func(m, n int, c []float32, ldc int, bias []float32, relu bool) {
		if m == 0 || n == 0 {
			return
		}
		_, _ = c[(m-1)*ldc+n-1], bias[n-1]
		asm(m, n, &c[0], ldc, &bias[0], relu)
	}
}

// copy2DAsm wraps a generated strided copy.
func copy2DAsm(asm func(rows, cols int, src *float32, lds int, dst *float32, ldd int)) copy2DFunc {
	return func(rows, cols int, src []float32, lds int, dst []float32, ldd int) {
		if rows == 0 || cols == 0 {
			return
		}
		_, _ = src[(rows-1)*lds+cols-1], dst[(rows-1)*ldd+cols-1]
		asm(rows, cols, &src[0], lds, &dst[0], ldd)
	}
}

// maxIntoAsm wraps a generated elementwise maximum over len(y).
func maxIntoAsm(asm func(n int, x, y *float32)) func(x, y []float32) {
	return func(x, y []float32) {
		if len(y) == 0 {
			return
		}
		_ = x[len(y)-1]
		asm(len(y), &x[0], &y[0])
	}
}

// winogradAsm wraps the generated transforms of F(m×m, 3×3), α = m+2.
func winogradAsm(m int,
	input func(n int, src *float32, rowStride, colStride int, dst *float32, ldv int),
	output func(n int, src *float32, ldm int, dst *float32, ldDst, pixelStride int, bias *float32, relu bool, rows, cols int)) winogradKernels {
	last := (m+2)*(m+2) - 1 // the last position ξ
	return winogradKernels{
		input: func(n int, src []float32, rowStride, colStride int, dst []float32, ldv int) {
			if n == 0 {
				return
			}
			_, _ = src[(m+1)*(rowStride+colStride)+n-1], dst[last*ldv+n-1]
			input(n, &src[0], rowStride, colStride, &dst[0], ldv)
		},
		output: func(n int, src []float32, ldm int, dst []float32, ldDst, pixelStride int, bias []float32, relu bool, rows, cols int) {
			if n == 0 || rows <= 0 || cols <= 0 {
				return
			}
			rows, cols = min(rows, m), min(cols, m) // what the kernel stores at most
			_, _, _ = src[last*ldm+n-1], dst[(rows-1)*ldDst+(cols-1)*pixelStride+n-1], bias[n-1]
			output(n, &src[0], ldm, &dst[0], ldDst, pixelStride, &bias[0], relu, rows, cols)
		},
	}
}
