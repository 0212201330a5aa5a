package main

import (
	"fmt"
	"math/bits"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// generatePack emits packRowsMRxISA, the driver's packing of a full MR-row panel of
// row-major A: dst[p*MR + i] = a[i*lda + p] for i < MR, p < k; and packRowsNRxISA, the
// same copy of NR rows, which packs a panel of transposed B (NR rows of B, the panel's
// columns).
func (k sgemmKernel) generatePack() {
	k.generatePackRows(k.mr, "A")
	k.generatePackRows(k.nr(), "transposed B")
}

// generatePackRows emits packRowsNxISA for rows rows of operand what: a transpose, one
// vector of every row at a time. Each group of up to a vector's lanes of rows is loaded
// as that many vectors and transposed in registers (transposeGroup), its columns stored
// rows floats apart; the last k mod lanes steps copy a float at a time. Rows are
// addressed as the micro-kernel addresses them, rows/3 pointers and no bounds checks.
// Against a float at a time throughout (a load and a store a row a step), calls
// alternating in one process, AVX-512 and AVX2: 12 or 6 rows of A 1.8–2.0× the floats a
// second, 32 rows of transposed B 2–3×; Sgemm 512³ 1.02–1.03× and 1.01×, 2048³
// 0.99–1.02× and 1.04×; with transB, 64³ 1.16× and 1.07×, 64×3136×576 1.09× and 1.05×.
func (k sgemmKernel) generatePackRows(rows int, what string) {
	name := fmt.Sprintf("packRows%d%s", rows, k.isa)
	TEXT(name, NOSPLIT, "func(k int, a *float32, lda int, dst *float32)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s packs %d rows of row-major %s into a micro-kernel panel:", name, rows, what),
		fmt.Sprintf("dst[p*%d + i] = a[i*lda + p] for i < %d, p < k; k ≥ 1.", rows, rows))
	lanes := k.vecLen()
	lda := Load(Param("lda"), GP64())
	SHLQ(U8(2), lda)
	aRow := rowPointers(rows, lda, nil)
	dst := Load(Param("dst"), GP64())
	steps := Load(Param("k"), GP64())

	// A group of fewer rows than lanes stores its columns under a mask.
	short := rows % lanes
	var kmask Register
	var vmask VecVirtual
	if short > 0 {
		if k.isa == "AVX512" {
			bitsReg := GP32()
			MOVL(U32(1<<short-1), bitsReg)
			kmask = K()
			KMOVW(bitsReg, kmask)
		} else {
			tbl := GP64()
			LEAQ(tailMaskTable(), tbl)
			vmask = k.newVec()
			VMOVDQU(Mem{Base: tbl}.Offset(4*(lanes-short)), vmask)
		}
	}

	blocks := GP64()
	MOVQ(steps, blocks)
	SHRQ(U8(bits.TrailingZeros(uint(lanes))), blocks)
	JZ(LabelRef(name + "_tail"))
	Commentf("Blocks of %d steps of k: each group of rows transposed in registers.", lanes)
	Label(name + "_block")
	for g := 0; g < rows; g += lanes {
		n := min(lanes, rows-g)
		in := make([]VecVirtual, n)
		for i := range in {
			in[i] = k.newVec()
			VMOVUPS(rowAddr(aRow, lda, g+i), in[i])
		}
		cols := k.transposeGroup(in)
		for c, col := range cols {
			at := Mem{Base: dst}.Offset(4 * (c*rows + g))
			switch {
			case n == lanes:
				VMOVUPS(col, at)
			case kmask != nil:
				VMOVUPS(col, kmask, at)
			case c+1 < len(cols):
				// AVX2 without a mask (VMASKMOVPS stores are microcoded on some AMD
				// cores): the lanes past the group land on the next column's first
				// rows, which its store then overwrites; only the last column is masked.
				VMOVUPS(col, at)
			default:
				VMASKMOVPS(col, vmask, at)
			}
		}
	}
	for _, p := range aRow {
		ADDQ(U8(4*lanes), p)
	}
	ADDQ(U32(4*lanes*rows), dst)
	DECQ(blocks)
	JNZ(LabelRef(name + "_block"))

	Label(name + "_tail")
	ANDQ(U32(lanes-1), steps)
	JZ(LabelRef(name + "_done"))
	Comment("The last steps, a float at a time.")
	Label(name + "_step")
	for i := 0; i < rows; i++ {
		v := GP32()
		MOVL(rowAddr(aRow, lda, i), v)
		MOVL(v, Mem{Base: dst}.Offset(4*i))
	}
	for _, p := range aRow {
		ADDQ(U8(4), p)
	}
	ADDQ(U32(4*rows), dst)
	DECQ(steps)
	JNZ(LabelRef(name + "_step"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// transposeGroup transposes the rows in (at most a vector's lanes of them) and returns
// the columns: column c holds element c of every row, row i in lane i; lanes past
// len(in) hold whatever. The classic butterfly: interleave pairs of rows by floats, then
// pairs of those by float pairs, which leaves column 4L + j of rows 4i … 4i+3 in 128-bit
// lane L of u[4i+j]; then move the lanes into place (two VSHUFF32X4 rounds on AVX-512,
// one VPERM2F128 on AVX2). Steps whose inputs are all missing rows are skipped.
func (k sgemmKernel) transposeGroup(in []VecVirtual) []VecVirtual {
	lanes := k.vecLen()
	// r[i] is row i, or nil where there is none; an op on nils gives nil.
	r := make([]VecVirtual, lanes)
	copy(r, in)
	pair := func(op func(b, a, dst Op), a, b VecVirtual) VecVirtual {
		switch {
		case a == nil && b == nil:
			return nil
		case a == nil:
			a = b
		case b == nil:
			b = a
		}
		dst := k.newVec()
		op(b, a, dst)
		return dst
	}
	unpcklps := func(b, a, dst Op) { VUNPCKLPS(b, a, dst) }
	unpckhps := func(b, a, dst Op) { VUNPCKHPS(b, a, dst) }
	unpcklpd := func(b, a, dst Op) { VUNPCKLPD(b, a, dst) }
	unpckhpd := func(b, a, dst Op) { VUNPCKHPD(b, a, dst) }
	t := make([]VecVirtual, lanes)
	for i := 0; i < lanes; i += 2 {
		t[i], t[i+1] = pair(unpcklps, r[i], r[i+1]), pair(unpckhps, r[i], r[i+1])
	}
	u := make([]VecVirtual, lanes)
	for i := 0; i < lanes; i += 4 {
		u[i], u[i+1] = pair(unpcklpd, t[i], t[i+2]), pair(unpckhpd, t[i], t[i+2])
		u[i+2], u[i+3] = pair(unpcklpd, t[i+1], t[i+3]), pair(unpckhpd, t[i+1], t[i+3])
	}
	cols := make([]VecVirtual, lanes)
	if k.isa != "AVX512" {
		// Lane 0 of column j's rows 0–3 and 4–7, then lane 1's.
		for j := range 4 {
			cols[j] = pair(func(b, a, dst Op) { VPERM2F128(U8(0x20), b, a, dst) }, u[j], u[4+j])
			cols[4+j] = pair(func(b, a, dst Op) { VPERM2F128(U8(0x31), b, a, dst) }, u[j], u[4+j])
		}
		return cols
	}
	// lanes 0 and 2 (0x88) or 1 and 3 (0xDD) of the first source, then of the second.
	even := func(b, a, dst Op) { VSHUFF32X4(U8(0x88), b, a, dst) }
	odd := func(b, a, dst Op) { VSHUFF32X4(U8(0xDD), b, a, dst) }
	shuffle := func(imm uint8) func(b, a, dst Op) {
		return func(b, a, dst Op) { VSHUFF32X4(U8(imm), b, a, dst) }
	}
	for j := range 4 {
		x0, x1 := pair(even, u[j], u[4+j]), pair(odd, u[j], u[4+j])
		if u[12+j] == nil && u[8+j] != nil {
			// Rows 12–15 missing (a 12-row panel): rows 8–11 come from u[8+j] itself,
			// lane L of it into lane 2 of column 4L+j, sparing the second round on it.
			cols[j], cols[4+j] = pair(shuffle(0x08), x0, u[8+j]), pair(shuffle(0x18), x1, u[8+j])
			cols[8+j], cols[12+j] = pair(shuffle(0x2D), x0, u[8+j]), pair(shuffle(0x3D), x1, u[8+j])
			continue
		}
		y0, y1 := pair(even, u[8+j], u[12+j]), pair(odd, u[8+j], u[12+j])
		cols[j], cols[8+j] = pair(even, x0, y0), pair(odd, x0, y0)
		cols[4+j], cols[12+j] = pair(even, x1, y1), pair(odd, x1, y1)
	}
	return cols
}
