package main

import "fmt"

// Encodings of the A64 instructions the Go assembler lacks, from the Arm Architecture
// Reference Manual (DDI 0487), "Advanced SIMD vector x indexed element":
//
//	31 30 29 28    24 23 22 21 20 19  16 15    12 11 10 9   5 4   0
//	 0  Q  U  0 1 1 1 1 size  L  M  Rm    opcode   H  0  Rn    Rd
//
// For 32-bit lanes (size = 10, the sz bit 22 clear) the element index is H:L and the
// element register is M:Rm, so any of V0–V31 may hold it. Q = 1 selects the 4S
// arrangement. encode_test.go checks every form against binutils.
const (
	opFMLAElem = 0x4F801000 // FMLA Vd.4S, Vn.4S, Vm.S[i]: Q=1 U=0 size=10 opcode=0001
	opFMULElem = 0x4F809000 // FMUL Vd.4S, Vn.4S, Vm.S[i]: Q=1 U=0 size=10 opcode=1001
)

// elemS fills the register and index fields of a by-element instruction on 4S lanes.
func elemS(op uint32, d, n, m VReg, lane int) uint32 {
	for _, v := range []VReg{d, n, m} {
		if v < 0 || v > 31 {
			panic(fmt.Sprintf("arm64: no vector register V%d", int(v)))
		}
	}
	if lane < 0 || lane > 3 {
		panic(fmt.Sprintf("arm64: lane %d of a 4S register", lane))
	}
	h, l := uint32(lane>>1), uint32(lane&1)
	return op | l<<21 | uint32(m)<<16 | h<<11 | uint32(n)<<5 | uint32(d)
}

// FMAX, FADD and FADDP on vectors are in "Advanced SIMD three same":
//
//	0 Q U 0 1 1 1 0 0 sz 1 Rm opcode 1 Rn Rd
//
// with Q = 1 and sz = 0 for 4S: FMAX is U = 0, bit 23 clear (set: FMIN), opcode 11110;
// FADD is U = 0, opcode 11010; FADDP is FADD with U = 1.
const (
	opFMAX4S  = 0x4E20F400 // FMAX Vd.4S, Vn.4S, Vm.4S
	opFADD4S  = 0x4E20D400 // FADD Vd.4S, Vn.4S, Vm.4S
	opFADDP4S = 0x6E20D400 // FADDP Vd.4S, Vn.4S, Vm.4S
)

// threeSame fills the register fields of a three-same instruction.
func threeSame(op uint32, d, n, m VReg) uint32 {
	for _, v := range []VReg{d, n, m} {
		if v < 0 || v > 31 {
			panic(fmt.Sprintf("arm64: no vector register V%d", int(v)))
		}
	}
	return op | uint32(m)<<16 | uint32(n)<<5 | uint32(d)
}

// encFMAX encodes FMAX Vd.4S, Vn.4S, Vm.4S: d = max(n, m) lane by lane, NaN if either is.
func encFMAX(d, n, m VReg) uint32 { return threeSame(opFMAX4S, d, n, m) }

// encFADD encodes FADD Vd.4S, Vn.4S, Vm.4S: d = n + m lane by lane.
func encFADD(d, n, m VReg) uint32 { return threeSame(opFADD4S, d, n, m) }

// encFADDP encodes FADDP Vd.4S, Vn.4S, Vm.4S: the sums of adjacent lanes of n (lanes 0
// and 1 of d), then of m (lanes 2 and 3).
func encFADDP(d, n, m VReg) uint32 { return threeSame(opFADDP4S, d, n, m) }

// encFMLAElem encodes FMLA Vd.4S, Vn.4S, Vm.S[lane]: d += n·m[lane].
func encFMLAElem(d, n, m VReg, lane int) uint32 { return elemS(opFMLAElem, d, n, m, lane) }

// encFMULElem encodes FMUL Vd.4S, Vn.4S, Vm.S[lane]: d = n·m[lane].
func encFMULElem(d, n, m VReg, lane int) uint32 { return elemS(opFMULElem, d, n, m, lane) }
