package main

import (
	"reflect"
	"strings"
	"testing"
)

const goAsm = `TEXT ·k(SB), NOSPLIT, $0-8
	CBZ	R12, k_epilogue
k_outer:
	MOVD	R1, R2
k_inner:
	VLD1	(R8), [V0.S4]
	SUBS	$1, R12
	BNE	k_inner
	TBZ	$1, R3, k_skip
	SUBS	$1, R13
	BNE	k_outer
k_skip:
k_epilogue:
	B	k_done
k_done:
	RET
`

func TestLoopLabels(t *testing.T) {
	got := loopLabels(goAsm)
	want := []asmFunc{{name: "k", labels: []string{"inner", "outer"}}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("loopLabels = %+v, want %+v", got, want)
	}
}

const objdump = `0000000000001000 <github.com/simdnn/simdnn/kernels.k.abi0>:
    1000:	cbz	x12, 1024 <github.com/simdnn/simdnn/kernels.k.abi0+0x24>
    1004:	mov	x2, x1
    1008:	ld1	{v0.4s}, [x8]
    100c:	fmla	v8.4s, v0.4s, v3.s[0]
    1010:	subs	x12, x12, #0x1
    1014:	b.ne	1008 <github.com/simdnn/simdnn/kernels.k.abi0+0x8>  // b.any
    1018:	tbz	w3, #1, 1024 <github.com/simdnn/simdnn/kernels.k.abi0+0x24>
    101c:	subs	x13, x13, #0x1
    1020:	b.ne	1004 <github.com/simdnn/simdnn/kernels.k.abi0+0x4>  // b.any
    1024:	ret

0000000000002000 <other.f>:
    2000:	ret
`

func TestFindLoops(t *testing.T) {
	fns := disassembly(objdump, "github.com/simdnn/simdnn/kernels")
	if len(fns) != 1 || len(fns["k"]) != 10 {
		t.Fatalf("disassembly = %v", fns)
	}
	loops := findLoops(fns["k"])
	if len(loops) != 2 {
		t.Fatalf("%d loops, want 2", len(loops))
	}
	inner := strings.Join(loops[0].body, "\n")
	want := ".Lloop:\nld1 {v0.4s}, [x8]\nfmla v8.4s, v0.4s, v3.s[0]\nsubs x12, x12, #0x1\nb.ne .Lloop"
	if inner != want || !loops[0].inner {
		t.Errorf("inner loop (inner=%v):\n%s\nwant\n%s", loops[0].inner, inner, want)
	}
	if loops[1].inner {
		t.Errorf("the outer loop counts as innermost")
	}
	if got := flops(loops[0].body); got != 8 {
		t.Errorf("flops = %d, want 8 (one FMLA on 4 lanes)", got)
	}
}

func TestUnitGroup(t *testing.T) {
	for res, want := range map[string]string{"N1UnitL.\x00": "L", "N1UnitV0": "V0", "V1UnitL01.\x01": "L01", "CyUnitV.\x02": "V"} {
		if got := unitGroup(res); got != want {
			t.Errorf("unitGroup(%q) = %q, want %q", res, got, want)
		}
	}
}
