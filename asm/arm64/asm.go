package main

import (
	"bytes"
	"fmt"
	"go/format"
	"strings"
)

// Reg is an arm64 general-purpose register R0–R26. R18 (the platform register),
// R27 (the assembler's temporary), R28 (g), R29 (frame pointer) and R30 (link register)
// are never handed out; see gpAllocator.
type Reg int

func (r Reg) String() string { return fmt.Sprintf("R%d", int(r)) }

// VReg is a SIMD&FP register V0–V31. Go's ABI0 has no callee-saved vector registers, so
// an assembly function may use all 32.
type VReg int

func (v VReg) String() string { return fmt.Sprintf("V%d", int(v)) }

// S4 is the register as four 32-bit lanes, in Go syntax.
func (v VReg) S4() string { return fmt.Sprintf("V%d.S4", int(v)) }

// B16 is the register as sixteen bytes, the arrangement of bitwise moves.
func (v VReg) B16() string { return fmt.Sprintf("V%d.B16", int(v)) }

// F is the register's scalar view (Sn or Dn, by the opcode's width) in Go syntax.
func (v VReg) F() string { return fmt.Sprintf("F%d", int(v)) }

// gnu is the register in binutils syntax with a 4S arrangement, for WORD comments.
func (v VReg) gnu() string { return fmt.Sprintf("v%d.4s", int(v)) }

// gpAllocator hands out general-purpose registers in order, skipping the reserved ones.
type gpAllocator struct{ next Reg }

func (g *gpAllocator) get() Reg {
	if g.next == 18 { // platform register
		g.next++
	}
	if g.next > 26 {
		panic("arm64: out of general-purpose registers")
	}
	r := g.next
	g.next++
	return r
}

// Param is one argument of an assembly function, at its frame offset.
type Param struct {
	Name, Type string
	Size, Off  int
}

// Func is one assembly function being emitted, and its Go declaration.
type Func struct {
	name    string
	doc     []string
	params  []Param
	results []Param
	body    bytes.Buffer
}

// NewFunc lays out the arguments of name in Go's ABI0 frame: each at the next multiple of
// its size, as the Go compiler does for ints, pointers and float32s.
func NewFunc(name string, doc []string, params ...Param) *Func {
	f := &Func{name: name, doc: doc}
	off := 0
	for _, p := range params {
		off = (off + p.Size - 1) / p.Size * p.Size
		p.Off = off
		off += p.Size
		f.params = append(f.params, p)
	}
	return f
}

// Returns adds a result after the arguments: results start at the next multiple of the
// pointer size, as in Go's ABI0 frame.
func (f *Func) Returns(name, typ string, size int) {
	last := f.params[len(f.params)-1]
	off := (last.Off + last.Size + 7) / 8 * 8
	if len(f.results) > 0 {
		r := f.results[len(f.results)-1]
		off = (r.Off + r.Size + size - 1) / size * size
	}
	f.results = append(f.results, Param{Name: name, Type: typ, Size: size, Off: off})
}

// argSize is where the last argument or result ends. With no results there is no padding
// after it: asmdecl (go vet) wants $0-89, not $0-96, after a final bool at offset 88.
func (f *Func) argSize() int {
	last := f.params[len(f.params)-1]
	if len(f.results) > 0 {
		last = f.results[len(f.results)-1]
	}
	return last.Off + last.Size
}

// Arg is the named argument as a Go assembler operand, e.g. "k+0(FP)".
func (f *Func) Arg(name string) string {
	for _, p := range append(f.params, f.results...) {
		if p.Name == name {
			return fmt.Sprintf("%s+%d(FP)", p.Name, p.Off)
		}
	}
	panic("arm64: no argument " + name + " in " + f.name)
}

func (f *Func) signature() string {
	var args []string
	for _, p := range f.params {
		args = append(args, p.Name+" "+p.Type)
	}
	sig := fmt.Sprintf("func %s(%s)", f.name, strings.Join(args, ", "))
	for _, r := range f.results {
		sig += " " + r.Type // one unnamed result: asmdecl names it ret
	}
	return sig
}

// label scopes a label name to the function.
func (f *Func) label(name string) string { return f.name + "_" + name }

// Comment emits comment lines; an empty line emits a blank line before them.
func (f *Func) Comment(lines ...string) {
	for _, l := range lines {
		if l == "" {
			f.body.WriteString("\n")
			continue
		}
		fmt.Fprintf(&f.body, "\t// %s\n", l)
	}
}

// Label defines a function-scoped label.
func (f *Func) Label(name string) { fmt.Fprintf(&f.body, "%s:\n", f.label(name)) }

func (f *Func) op(mnemonic string, operands ...string) {
	fmt.Fprintf(&f.body, "\t%-8s %s\n", mnemonic, strings.Join(operands, ", "))
}

// word emits an instruction the Go assembler lacks as its encoding, with the instruction in
// binutils syntax as the comment (encode_test.go assembles every one and compares).
func (f *Func) word(enc uint32, gnu string) {
	fmt.Fprintf(&f.body, "\t%-8s $0x%08x // %s\n", "WORD", enc, gnu)
}

func regList(vs []VReg) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = v.S4()
	}
	return "[" + strings.Join(s, ", ") + "]"
}

func imm(v int) string { return fmt.Sprintf("$%d", v) }

// General-purpose instructions (Go syntax: sources first, destination last).

// MOVD loads a 64-bit argument.
func (f *Func) MOVD(arg string, dst Reg) { f.op("MOVD", arg, dst.String()) }

// MOVWU loads a 32-bit argument, zero-extended.
func (f *Func) MOVWU(arg string, dst Reg) { f.op("MOVWU", arg, dst.String()) }

// MOVBU loads a bool or byte argument, zero-extended.
func (f *Func) MOVBU(arg string, dst Reg) { f.op("MOVBU", arg, dst.String()) }

// MOVWLoad loads the int32 at off(ptr), sign-extended (LDRSW).
func (f *Func) MOVWLoad(off int, ptr, dst Reg) {
	f.op("MOVW", fmt.Sprintf("%d(%s)", off, ptr), dst.String())
}

// ADD sets dst = n + m.
func (f *Func) ADD(m, n, dst Reg) { f.op("ADD", m.String(), n.String(), dst.String()) }

// ADDShifted sets dst = n + m<<shift.
func (f *Func) ADDShifted(m Reg, shift int, n, dst Reg) {
	f.op("ADD", fmt.Sprintf("%s<<%d", m, shift), n.String(), dst.String())
}

// ADDConst adds v to r.
func (f *Func) ADDConst(v int, r Reg) { f.op("ADD", imm(v), r.String()) }

// CSELLT sets dst = lt if the flags say less than (signed), else ge.
func (f *Func) CSELLT(lt, ge, dst Reg) { f.op("CSEL", "LT", lt.String(), ge.String(), dst.String()) }

// LSRTo sets dst = src >> shift, unsigned.
func (f *Func) LSRTo(shift int, src, dst Reg) { f.op("LSR", imm(shift), src.String(), dst.String()) }

// LSL shifts r left in place.
func (f *Func) LSL(shift int, r Reg) { f.op("LSL", imm(shift), r.String()) }

// LSLW shifts the low 32 bits of r left in place, clearing the high 32.
func (f *Func) LSLW(shift int, r Reg) { f.op("LSLW", imm(shift), r.String()) }

// SUBS decrements r by v, setting the flags.
func (f *Func) SUBS(v int, r Reg) { f.op("SUBS", imm(v), r.String()) }

// CMP sets the flags from r - v.
func (f *Func) CMP(v int, r Reg) { f.op("CMP", imm(v), r.String()) }

// ADDSConst adds v to r, setting the flags.
func (f *Func) ADDSConst(v int, r Reg) { f.op("ADDS", imm(v), r.String()) }

// SUBTo sets dst = src - v.
func (f *Func) SUBTo(v int, src, dst Reg) { f.op("SUB", imm(v), src.String(), dst.String()) }

// ANDTo sets dst = src & v.
func (f *Func) ANDTo(v int, src, dst Reg) { f.op("AND", imm(v), src.String(), dst.String()) }

// MOVReg copies src to dst.
func (f *Func) MOVReg(src, dst Reg) { f.op("MOVD", src.String(), dst.String()) }

func (f *Func) B(label string)   { f.op("B", f.label(label)) }
func (f *Func) BEQ(label string) { f.op("BEQ", f.label(label)) }
func (f *Func) BNE(label string) { f.op("BNE", f.label(label)) }
func (f *Func) BLT(label string) { f.op("BLT", f.label(label)) }
func (f *Func) BGE(label string) { f.op("BGE", f.label(label)) }

// CBZ branches when r is zero; CBZW when its low 32 bits are.
func (f *Func) CBZ(r Reg, label string)  { f.op("CBZ", r.String(), f.label(label)) }
func (f *Func) CBZW(r Reg, label string) { f.op("CBZW", r.String(), f.label(label)) }

// TBZ branches when bit of r is zero.
func (f *Func) TBZ(bit int, r Reg, label string) {
	f.op("TBZ", imm(bit), r.String(), f.label(label))
}

func (f *Func) RET() { f.op("RET") }

// SIMD&FP instructions the Go assembler has.

// VZero clears v.
func (f *Func) VZero(v VReg) { f.op("VEOR", v.B16(), v.B16(), v.B16()) }

// VMOV copies src to dst.
func (f *Func) VMOV(src, dst VReg) { f.op("VMOV", src.B16(), dst.B16()) }

// VLD1 loads consecutive q registers from (ptr).
func (f *Func) VLD1(ptr Reg, vs ...VReg) { f.op("VLD1", "("+ptr.String()+")", regList(vs)) }

// VLD1P loads consecutive q registers from (ptr), then advances ptr by step bytes.
func (f *Func) VLD1P(ptr, step Reg, vs ...VReg) {
	f.op("VLD1.P", fmt.Sprintf("(%s)(%s)", ptr, step), regList(vs))
}

// VLD1Past loads consecutive q registers from (ptr) and advances ptr past them.
func (f *Func) VLD1Past(ptr Reg, vs ...VReg) {
	f.op("VLD1.P", fmt.Sprintf("%d(%s)", 16*len(vs), ptr), regList(vs))
}

// VST1 stores consecutive q registers to (ptr).
func (f *Func) VST1(ptr Reg, vs ...VReg) { f.op("VST1", regList(vs), "("+ptr.String()+")") }

// VST1P stores consecutive q registers to (ptr) and advances ptr past them.
func (f *Func) VST1P(ptr Reg, vs ...VReg) {
	f.op("VST1.P", regList(vs), fmt.Sprintf("%d(%s)", 16*len(vs), ptr))
}

// VFMLA sets d += n·m, lane by lane.
func (f *Func) VFMLA(d, n, m VReg) { f.op("VFMLA", m.S4(), n.S4(), d.S4()) }

// VDUPHigh moves lanes 2 and 3 of v down to lanes 0 and 1 (DUP v.2D, v.D[1]).
func (f *Func) VDUPHigh(v VReg) { f.op("VDUP", v.String()+".D[1]", v.String()+".D2") }

// FMOVDLoadOff loads the two float32s at off(ptr) into lanes 0 and 1 of v, clearing the
// others.
func (f *Func) FMOVDLoadOff(off int, ptr Reg, v VReg) {
	f.op("FMOVD", fmt.Sprintf("%d(%s)", off, ptr), v.F())
}

// FLDPQ loads the two q registers at off(ptr) into v and w (LDP q).
func (f *Func) FLDPQ(off int, ptr Reg, v, w VReg) {
	f.op("FLDPQ", fmt.Sprintf("%d(%s)", off, ptr), fmt.Sprintf("(%s, %s)", v.F(), w.F()))
}

// FMOVQLoadOff loads the q register at off(ptr) into v (LDR q).
func (f *Func) FMOVQLoadOff(off int, ptr Reg, v VReg) {
	f.op("FMOVQ", fmt.Sprintf("%d(%s)", off, ptr), v.F())
}

// FMOVSArg loads a float32 argument into lane 0 of v, clearing the others.
func (f *Func) FMOVSArg(arg string, v VReg) { f.op("FMOVS", arg, v.F()) }

// FMOVSLoad loads the float32 at (ptr) into lane 0 of v, clearing the others.
func (f *Func) FMOVSLoad(ptr Reg, v VReg) { f.op("FMOVS", "("+ptr.String()+")", v.F()) }

// FMOVSLoadIdx loads the float32 at (ptr)(idx), ptr + idx bytes, into lane 0 of v,
// clearing the others (LDR s, register offset).
func (f *Func) FMOVSLoadIdx(ptr, idx Reg, v VReg) {
	f.op("FMOVS", fmt.Sprintf("(%s)(%s)", ptr, idx), v.F())
}

// FMOVSLoadP loads the float32 at (ptr) into lane 0 of v, clearing the others, and
// advances ptr by 4.
func (f *Func) FMOVSLoadP(ptr Reg, v VReg) { f.op("FMOVS.P", "4("+ptr.String()+")", v.F()) }

// FMOVSStoreArg stores lane 0 of v to a float32 result.
func (f *Func) FMOVSStoreArg(v VReg, arg string) { f.op("FMOVS", v.F(), arg) }

// FMOVSStoreP stores lane 0 of v to (ptr) and advances ptr by 4.
func (f *Func) FMOVSStoreP(v VReg, ptr Reg) { f.op("FMOVS.P", v.F(), "4("+ptr.String()+")") }

// FMOVSStore stores lane 0 of v to (ptr).
func (f *Func) FMOVSStore(v VReg, ptr Reg) { f.op("FMOVS", v.F(), "("+ptr.String()+")") }

// FMOVDLoad loads the two float32s at (ptr) into lanes 0 and 1 of v, clearing the others.
func (f *Func) FMOVDLoad(ptr Reg, v VReg) { f.op("FMOVD", "("+ptr.String()+")", v.F()) }

// FMOVDLoadP loads the two float32s at (ptr) into lanes 0 and 1 of v, clearing the others,
// and advances ptr by 8.
func (f *Func) FMOVDLoadP(ptr Reg, v VReg) { f.op("FMOVD.P", "8("+ptr.String()+")", v.F()) }

// FMOVDStoreP stores lanes 0 and 1 of v to (ptr) and advances ptr by 8.
func (f *Func) FMOVDStoreP(v VReg, ptr Reg) { f.op("FMOVD.P", v.F(), "8("+ptr.String()+")") }

// SIMD&FP instructions the Go assembler lacks (golang/go#41092), as WORDs; see encode.go.

// FMLAElem sets d += n·m[lane] (FMLA by element).
func (f *Func) FMLAElem(d, n, m VReg, lane int) {
	f.word(encFMLAElem(d, n, m, lane), fmt.Sprintf("fmla %s, %s, v%d.s[%d]", d.gnu(), n.gnu(), int(m), lane))
}

// FMULElem sets d = n·m[lane] (FMUL by element).
func (f *Func) FMULElem(d, n, m VReg, lane int) {
	f.word(encFMULElem(d, n, m, lane), fmt.Sprintf("fmul %s, %s, v%d.s[%d]", d.gnu(), n.gnu(), int(m), lane))
}

// FMAX sets d = max(n, m), lane by lane; a NaN in either gives NaN.
func (f *Func) FMAX(d, n, m VReg) {
	f.word(encFMAX(d, n, m), fmt.Sprintf("fmax %s, %s, %s", d.gnu(), n.gnu(), m.gnu()))
}

// FADD sets d = n + m, lane by lane.
func (f *Func) FADD(d, n, m VReg) {
	f.word(encFADD(d, n, m), fmt.Sprintf("fadd %s, %s, %s", d.gnu(), n.gnu(), m.gnu()))
}

// FADDP sets d's lanes to the pairwise sums n0+n1, n2+n3, m0+m1, m2+m3.
func (f *Func) FADDP(d, n, m VReg) {
	f.word(encFADDP(d, n, m), fmt.Sprintf("faddp %s, %s, %s", d.gnu(), n.gnu(), m.gnu()))
}

// File is one generated assembly file and its Go declarations.
type File struct {
	command string // the go:generate command line, for the "Code generated" header
	pkg     string
	funcs   []*Func
}

func (file *File) Add(f *Func) { file.funcs = append(file.funcs, f) }

const buildConstraint = "//go:build !purego && !noasm"

func (file *File) header() string {
	return fmt.Sprintf("// Code generated by command: %s. DO NOT EDIT.\n\n%s\n\n", file.command, buildConstraint)
}

// Assembly is the text of the .s file.
func (file *File) Assembly() []byte {
	var b bytes.Buffer
	b.WriteString(file.header())
	b.WriteString("#include \"textflag.h\"\n")
	for _, f := range file.funcs {
		fmt.Fprintf(&b, "\n// %s\nTEXT ·%s(SB), NOSPLIT, $0-%d\n", f.signature(), f.name, f.argSize())
		b.Write(f.body.Bytes())
	}
	return b.Bytes()
}

// Declarations is the text of the Go file that declares the functions, gofmt-ed.
func (file *File) Declarations() []byte {
	var b bytes.Buffer
	b.WriteString(file.header())
	fmt.Fprintf(&b, "package %s\n", file.pkg)
	for _, f := range file.funcs {
		b.WriteString("\n")
		for _, l := range f.doc {
			fmt.Fprintf(&b, "// %s\n", l)
		}
		fmt.Fprintf(&b, "//\n//go:noescape\n%s\n", f.signature())
	}
	out, err := format.Source(b.Bytes())
	if err != nil {
		panic(fmt.Sprintf("arm64: generated Go does not parse: %v\n%s", err, b.Bytes()))
	}
	return out
}
