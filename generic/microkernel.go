package generic

// Tile4x4 is the pure-Go SGEMM micro-kernel, with the contract every assembly
// micro-kernel shares: it computes the mr×nr top-left corner (1 ≤ mr ≤ 4, 1 ≤ nr ≤ 4) of
//
//	C ← alpha·A·B + beta·C,  A mr×k, B k×nr,
//
// where A(i, p) = a[i*rsA + p*csA], B(p, j) = b[p*rsB + j] and C(i, j) = c[i*ldc + j].
// The strides let one kernel read packed panels (rsA = 1, csA = MR, rsB = NR) and
// unpacked row-major or transposed A in place. beta == 0 means C is not read. The A rows
// and B columns past mr and nr are read (they must exist: the driver pads edge panels) but
// their results are dropped.
func Tile4x4(k int, a []float32, rsA, csA int, b []float32, rsB int, c []float32, ldc int, alpha, beta float32, mr, nr int) {
	var c00, c01, c02, c03 float32
	var c10, c11, c12, c13 float32
	var c20, c21, c22, c23 float32
	var c30, c31, c32, c33 float32
	ia, ib := 0, 0
	for p := 0; p < k; p++ {
		bp := b[ib : ib+4 : ib+4]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		a0, a1, a2, a3 := a[ia], a[ia+rsA], a[ia+2*rsA], a[ia+3*rsA]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
		ia += csA
		ib += rsB
	}
	acc := [4][4]float32{
		{c00, c01, c02, c03},
		{c10, c11, c12, c13},
		{c20, c21, c22, c23},
		{c30, c31, c32, c33},
	}
	for i := 0; i < mr; i++ {
		row := c[i*ldc : i*ldc+nr]
		for j := range row {
			if beta == 0 {
				row[j] = alpha * acc[i][j]
			} else {
				row[j] = alpha*acc[i][j] + beta*row[j]
			}
		}
	}
}
