package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestEncodingKnown checks the WORD encodings against values taken from binutils,
// so that it runs where binutils is absent.
func TestEncodingKnown(t *testing.T) {
	for _, tc := range []struct {
		got  uint32
		want uint32
		gnu  string
	}{
		{encFMLAElem(2, 1, 0, 1), 0x4fa01022, "fmla v2.4s, v1.4s, v0.s[1]"}, // TOOLCHAIN.md
		{encFMLAElem(8, 0, 3, 0), 0x4f831008, "fmla v8.4s, v0.4s, v3.s[0]"},
		{encFMLAElem(31, 2, 4, 3), 0x4fa4185f, "fmla v31.4s, v2.4s, v4.s[3]"},
		{encFMULElem(8, 8, 0, 0), 0x4f809108, "fmul v8.4s, v8.4s, v0.s[0]"},
		{encFMAX(2, 2, 3), 0x4e23f442, "fmax v2.4s, v2.4s, v3.4s"}, // TOOLCHAIN.md
		{encFMAX(31, 0, 16), 0x4e30f41f, "fmax v31.4s, v0.4s, v16.4s"},
		{encFMAX(14, 14, 0), 0x4e20f5ce, "fmax v14.4s, v14.4s, v0.4s"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: encoded %#08x, want %#08x", tc.gnu, tc.got, tc.want)
		}
	}
}

// TestEncodingBinutils assembles every register field and lane extreme of each WORD
// instruction with binutils and compares words and disassembly.
func TestEncodingBinutils(t *testing.T) {
	var insts []gnuInst
	regs := []VReg{0, 1, 7, 15, 16, 30, 31}
	for _, d := range regs {
		for _, n := range regs {
			for _, m := range regs {
				for lane := 0; lane < 4; lane++ {
					f := NewFunc("x", nil, Param{Name: "k", Type: "int", Size: 8})
					f.FMLAElem(d, n, m, lane)
					f.FMULElem(d, n, m, lane)
					if lane == 0 {
						f.FMAX(d, n, m)
						f.FADD(d, n, m)
						f.FADDP(d, n, m)
					}
					insts = append(insts, wordsIn(t, f.body.String())...)
				}
			}
		}
	}
	checkWithBinutils(t, insts)
}

// TestGeneratedWords checks every WORD in the generated assembly: binutils must assemble
// its comment to the same word and disassemble the word to the same instruction.
func TestGeneratedWords(t *testing.T) {
	file := generate("x.s", "x.go")
	insts := wordsIn(t, string(file.Assembly()))
	if len(insts) == 0 {
		t.Fatal("no WORD instructions found in the generated assembly")
	}
	checkWithBinutils(t, insts)
}

// gnuInst is one emitted WORD: its encoding and the instruction in its comment.
type gnuInst struct {
	word uint32
	gnu  string
}

var wordLine = regexp.MustCompile(`^\s*WORD\s+\$0x([0-9a-f]{8})\s*//\s*(.+)$`)

func wordsIn(t *testing.T, asm string) []gnuInst {
	t.Helper()
	var insts []gnuInst
	sc := bufio.NewScanner(strings.NewReader(asm))
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, "WORD") {
			continue
		}
		m := wordLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("WORD line without its instruction in a comment: %q", line)
		}
		w, err := strconv.ParseUint(m[1], 16, 32)
		if err != nil {
			t.Fatal(err)
		}
		insts = append(insts, gnuInst{uint32(w), m[2]})
	}
	return insts
}

// checkWithBinutils assembles the instructions' text with aarch64-linux-gnu-as, and checks
// that each assembles to its word and that objdump prints each word as the same text.
func checkWithBinutils(t *testing.T, insts []gnuInst) {
	t.Helper()
	as, err1 := exec.LookPath("aarch64-linux-gnu-as")
	objdump, err2 := exec.LookPath("aarch64-linux-gnu-objdump")
	if err1 != nil || err2 != nil {
		t.Skip("binutils-aarch64-linux-gnu is not installed")
	}
	dir := t.TempDir()
	src, obj := filepath.Join(dir, "x.s"), filepath.Join(dir, "x.o")
	var b strings.Builder
	for _, in := range insts {
		fmt.Fprintf(&b, "\t%s\n", in.gnu)
	}
	if err := os.WriteFile(src, []byte(b.String()), 0o666); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(as, "-o", obj, src).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", as, err, out)
	}
	out, err := exec.Command(objdump, "-d", obj).Output()
	if err != nil {
		t.Fatalf("%s: %v", objdump, err)
	}
	// Lines look like "   8:\t4f831008 \tfmla\tv8.4s, v0.4s, v3.s[0]".
	dis := regexp.MustCompile(`^\s*[0-9a-f]+:\s+([0-9a-f]{8})\s+(.+)$`)
	i := 0
	for _, line := range strings.Split(string(out), "\n") {
		m := dis.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if i >= len(insts) {
			t.Fatalf("objdump printed more instructions than were assembled: %q", line)
		}
		w, _ := strconv.ParseUint(m[1], 16, 32)
		if uint32(w) != insts[i].word {
			t.Errorf("%s: binutils encodes %#08x, emitted %#08x", insts[i].gnu, w, insts[i].word)
		}
		if got, want := normalize(m[2]), normalize(insts[i].gnu); got != want {
			t.Errorf("%#08x: binutils reads %q, comment says %q", insts[i].word, got, want)
		}
		i++
	}
	if i != len(insts) {
		t.Fatalf("objdump printed %d instructions, want %d", i, len(insts))
	}
}

func normalize(s string) string { return strings.Join(strings.Fields(strings.ToLower(s)), " ") }
