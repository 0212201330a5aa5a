package main

import "fmt"

// tileStore emits the write-back of a tile of accumulators to C, one row at a time,
// stopping after mr rows, and in the column tail after nr columns. Every micro-kernel
// shares it; the registers are the kernel's.
type tileStore struct {
	f        *Func
	acc      [][]VReg // acc[i][j]: row i, columns 4j..4j+3 of the tile
	cRow     Reg      // C row pointer, advanced by ldc (bytes) after each row
	ldc      Reg
	rowsLeft Reg    // mr, counted down
	cols     Reg    // nr
	cPtr     Reg    // walks along a row in the column tail
	cv       []VReg // with beta: a row of C, two registers at least
	beta     VReg   // with beta: beta in lane 0
}

func (s tileStore) nr() int { return len(s.acc[0]) * lanes }

// emit writes every row; tail selects the column-tail stores (nr < NR), withBeta adds
// beta·C. Labels inside start with variant.
func (s tileStore) emit(variant string, tail, withBeta bool) {
	f := s.f
	for i, row := range s.acc {
		if tail {
			s.tailRow(fmt.Sprintf("%s%d", variant, i), row, withBeta)
		} else {
			if withBeta {
				f.VLD1(s.cRow, s.cv...)
				for j, a := range row {
					f.FMLAElem(a, s.cv[j], s.beta, 0)
				}
			}
			f.VST1(s.cRow, row...)
		}
		if i+1 < len(s.acc) {
			f.SUBS(1, s.rowsLeft)
			f.BEQ("done")
			f.ADD(s.ldc, s.cRow, s.cRow)
		}
	}
	f.B("done")
}

// tailRow stores the first nr < NR columns of one row. Chunks of 4·2^b lanes go out as
// whole vectors when bit b+2 of nr is set, and the accumulators after them move down to
// acc[0]; then two lanes (bit 1) and one lane (bit 0) go out from acc[0], whose upper half
// moves down after the pair.
func (s tileStore) tailRow(prefix string, row []VReg, withBeta bool) {
	f := s.f
	acc := append([]VReg(nil), row...)
	f.MOVD(s.cRow.String(), s.cPtr)
	top := 0
	for 1<<(top+1) < s.nr() {
		top++
	}
	for bit := top; bit >= 0; bit-- {
		chunk := 1 << bit
		skip := fmt.Sprintf("%s_no%d", prefix, chunk)
		f.TBZ(bit, s.cols, skip)
		switch {
		case chunk >= lanes:
			n := chunk / lanes
			if withBeta {
				f.VLD1(s.cPtr, s.cv[:n]...)
				for j := 0; j < n; j++ {
					f.FMLAElem(acc[j], s.cv[j], s.beta, 0)
				}
			}
			f.VST1P(s.cPtr, acc[:n]...)
			// The chunks after this one hold fewer than chunk lanes.
			need := min((chunk-1+lanes-1)/lanes, len(acc)-n)
			for j := 0; j < need; j++ {
				f.VMOV(acc[j+n], acc[j])
			}
		case chunk == 2:
			// With beta, the sum goes to a scratch register: the FMLA covers all four
			// lanes, and beta·0 in lanes 2 and 3 (NaN for beta = ±Inf) must not reach
			// the lanes that move down for the last column.
			out := acc[0]
			if withBeta {
				out = s.cv[1]
				f.FMOVDLoad(s.cPtr, s.cv[0])
				f.VMOV(acc[0], out)
				f.FMLAElem(out, s.cv[0], s.beta, 0)
			}
			f.FMOVDStoreP(out, s.cPtr)
			f.VDUPHigh(acc[0])
		case chunk == 1:
			if withBeta {
				f.FMOVSLoad(s.cPtr, s.cv[0])
				f.FMLAElem(acc[0], s.cv[0], s.beta, 0)
			}
			f.FMOVSStore(acc[0], s.cPtr)
		}
		f.Label(skip)
	}
}
