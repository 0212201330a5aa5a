package generic

// SgemmTile2x4 is the pure-Go SGEMM micro-kernel, with the contract every assembly
// micro-kernel shares: it computes the mr×nr top-left corner (1 ≤ mr ≤ MR, 1 ≤ nr ≤ NR,
// here 2×4) of
//
//	C ← alpha·A·B + beta·C,  A mr×k, B k×nr, k ≥ 1,
//
// where A(i, p) = a[i*rsA + p*csA], B(p, j) = b[p*rsB + j] and C(i, j) = c[i*ldc + j].
// The strides let one kernel read packed panels (rsA = 1, csA = MR, rsB = NR) and
// row-major or transposed A in place. beta == 0 means C is not read. The A rows and B
// columns past mr and nr are read (they must exist: the driver pads edge panels) but
// their results are dropped; C past mr rows and nr columns is never touched.
//
// The tile is 2×4 because 8 accumulators, 4 B values and an A value are what fits in the
// 15 XMM registers Go's compiler allocates; a 4×4 tile spills and runs at half the speed.
func SgemmTile2x4(k int, a []float32, rsA, csA int, b []float32, rsB int, c []float32, ldc int, alpha, beta float32, mr, nr int) {
	var c00, c01, c02, c03 float32
	var c10, c11, c12, c13 float32
	p, ia, ib := 0, 0, 0
	if rsA == 1 && csA == 2 && rsB == 4 {
		// Packed panels, two steps of k per iteration: one bounds check per operand,
		// and the second step's loads overlap the first step's arithmetic.
		for ; p+2 <= k; p += 2 {
			ap := a[ia : ia+4 : ia+4]
			bp := b[ib : ib+8 : ib+8]
			a0, a1 := ap[0], ap[1]
			c00 += a0 * bp[0]
			c01 += a0 * bp[1]
			c02 += a0 * bp[2]
			c03 += a0 * bp[3]
			c10 += a1 * bp[0]
			c11 += a1 * bp[1]
			c12 += a1 * bp[2]
			c13 += a1 * bp[3]
			a0, a1 = ap[2], ap[3]
			c00 += a0 * bp[4]
			c01 += a0 * bp[5]
			c02 += a0 * bp[6]
			c03 += a0 * bp[7]
			c10 += a1 * bp[4]
			c11 += a1 * bp[5]
			c12 += a1 * bp[6]
			c13 += a1 * bp[7]
			ia += 4
			ib += 8
		}
	}
	for ; p < k; p++ {
		bp := b[ib : ib+4 : ib+4]
		a0, a1 := a[ia], a[ia+rsA]
		c00 += a0 * bp[0]
		c01 += a0 * bp[1]
		c02 += a0 * bp[2]
		c03 += a0 * bp[3]
		c10 += a1 * bp[0]
		c11 += a1 * bp[1]
		c12 += a1 * bp[2]
		c13 += a1 * bp[3]
		ia += csA
		ib += rsB
	}
	acc := [2][4]float32{{c00, c01, c02, c03}, {c10, c11, c12, c13}}
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
