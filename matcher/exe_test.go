package matcher

import (
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"testing"

	"github.com/sigtool/sigtool/filetype"
)

// minimalPE returns a small PE32 file: two sections (.text raw 0x200-0x400
// at RVA 0x1000, .data raw 0x400-0x600 at RVA 0x2000), entry point RVA
// 0x1010 (file offset 0x210), and a garbage COFF symbol-table pointer as
// packers leave it. Bytes of each section are distinct and known.
func minimalPE() []byte {
	f := make([]byte, 0x600)
	le := binary.LittleEndian
	copy(f, "MZ")
	le.PutUint32(f[0x3c:], 0x40)
	copy(f[0x40:], "PE\x00\x00")
	coff := f[0x44:]
	le.PutUint16(coff[0:], 0x14c)      // i386
	le.PutUint16(coff[2:], 2)          // sections
	le.PutUint32(coff[8:], 0xdeadbeef) // symbol table pointer: garbage
	le.PutUint16(coff[16:], 0xe0)      // optional header size
	opt := f[0x58:]
	le.PutUint16(opt[0:], 0x10b)
	le.PutUint32(opt[16:], 0x1010)
	sec := f[0x58+0xe0:]
	for i, s := range []struct {
		name          string
		rva, raw, off uint32
	}{{".text", 0x1000, 0x200, 0x200}, {".data", 0x2000, 0x200, 0x400}} {
		h := sec[i*40:]
		copy(h, s.name)
		le.PutUint32(h[8:], s.raw)
		le.PutUint32(h[12:], s.rva)
		le.PutUint32(h[16:], s.raw)
		le.PutUint32(h[20:], s.off)
	}
	for i := 0x200; i < 0x600; i++ {
		f[i] = byte(uint32(i) * 2654435761 >> 13)
	}
	return f
}

// minimalMachO returns a 64-bit Mach-O with one segment holding one
// section (__text, file offset 0x200, size 0x40) and LC_MAIN with entry
// offset 0x210.
func minimalMachO() []byte {
	f := make([]byte, 0x240)
	le := binary.LittleEndian
	le.PutUint32(f[0:], 0xfeedfacf)
	le.PutUint32(f[4:], 0x01000007)
	le.PutUint32(f[8:], 3)
	le.PutUint32(f[12:], 2) // executable
	le.PutUint32(f[16:], 2) // load commands
	le.PutUint32(f[20:], 72+80+24)
	seg := f[32:]
	le.PutUint32(seg[0:], 0x19) // LC_SEGMENT_64
	le.PutUint32(seg[4:], 72+80)
	copy(seg[8:], "__TEXT")
	le.PutUint64(seg[40:], 0)     // fileoff
	le.PutUint64(seg[48:], 0x240) // filesize
	le.PutUint32(seg[64:], 1)     // nsects
	s := seg[72:]
	copy(s[0:], "__text")
	copy(s[16:], "__TEXT")
	le.PutUint64(s[32:], 0x40)  // size
	le.PutUint32(s[48:], 0x200) // offset
	lm := f[32+72+80:]
	le.PutUint32(lm[0:], lcMain)
	le.PutUint32(lm[4:], 24)
	le.PutUint64(lm[8:], 0x210)
	for i := 0x200; i < 0x240; i++ {
		f[i] = byte(uint32(i) * 2246822519 >> 11)
	}
	return f
}

func hexAt(d []byte, off, n int) string { return hex.EncodeToString(d[off : off+n]) }

func TestExecutableOffsets(t *testing.T) {
	pe := minimalPE()
	macho := minimalMachO()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	elfData, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	ef, err := elf.NewFile(bytesReaderAt(elfData))
	if err != nil {
		t.Skipf("test binary is not ELF: %v", err)
	}
	var elfEP int
	for _, p := range ef.Progs {
		if p.Type == elf.PT_LOAD && ef.Entry >= p.Vaddr && ef.Entry < p.Vaddr+p.Filesz {
			elfEP = int(p.Off + ef.Entry - p.Vaddr)
		}
	}
	elfS1 := int(ef.Sections[1].Offset)
	last := ef.Sections[len(ef.Sections)-1]
	// Use the last section with bytes in the file for SL.
	lastOff := int(last.Offset)

	cases := []struct {
		name string
		data []byte
		sig  string
		want bool
	}{
		{"pe ep", pe, "S:1:EP+0:" + hexAt(pe, 0x210, 8), true},
		{"pe ep+3", pe, "S:1:EP+3:" + hexAt(pe, 0x213, 8), true},
		{"pe ep-8", pe, "S:1:EP-8:" + hexAt(pe, 0x208, 8), true},
		{"pe ep wrong", pe, "S:1:EP+1:" + hexAt(pe, 0x210, 8), false},
		{"pe ep shift", pe, "S:1:EP+0,8:" + hexAt(pe, 0x216, 8), true},
		{"pe s0", pe, "S:1:S0+4:" + hexAt(pe, 0x204, 8), true},
		{"pe s1", pe, "S:1:S1+4:" + hexAt(pe, 0x404, 8), true},
		{"pe s1 wrong", pe, "S:1:S1+4:" + hexAt(pe, 0x204, 8), false},
		{"pe s9 absent", pe, "S:1:S9+0:" + hexAt(pe, 0x204, 8), false},
		{"pe se0", pe, "S:1:SE0:" + hexAt(pe, 0x300, 8), true},
		{"pe se0 outside", pe, "S:1:SE0:" + hexAt(pe, 0x500, 8), false},
		{"pe sl", pe, "S:1:SL+16:" + hexAt(pe, 0x410, 8), true},
		{"pe target elf", pe, "S:6:EP+0:" + hexAt(pe, 0x210, 8), false},
		{"pe target any", pe, "S:0:*:" + hexAt(pe, 0x210, 8), true},
		{"plain data is no PE", pe[0x200:], "S:1:*:" + hexAt(pe, 0x210, 8), false},
		{"elf ep", elfData, "S:6:EP+0:" + hexAt(elfData, elfEP, 12), true},
		{"elf ep wrong", elfData, "S:6:EP+2:" + hexAt(elfData, elfEP, 12), false},
		{"elf s1", elfData, fmt.Sprintf("S:6:S1+0:%s", hexAt(elfData, elfS1, 8)), true},
		{"elf sl", elfData, fmt.Sprintf("S:6:SL+0:%s", hexAt(elfData, lastOff, 8)), len(elfData) >= lastOff+8},
		{"elf target pe", elfData, "S:1:EP+0:" + hexAt(elfData, elfEP, 12), false},
		{"macho ep", macho, "S:9:EP+0:" + hexAt(macho, 0x210, 8), true},
		{"macho s0", macho, "S:9:S0+8:" + hexAt(macho, 0x208, 8), true},
		{"macho ep wrong", macho, "S:9:EP+1:" + hexAt(macho, 0x210, 8), false},
	}
	for _, tc := range cases {
		for _, chunk := range []int{7, 512, defaultChunk} {
			if len(tc.data) > 1<<20 && chunk < 512 {
				continue // the test binary is large; tiny reads are covered elsewhere
			}
			m := ndb(t, chunk, tc.sig)
			got := detect(t, m, tc.data)
			if (len(got) == 1) != tc.want {
				t.Errorf("%s (chunk %d): %s: got %v, want match=%v", tc.name, chunk, tc.sig, got, tc.want)
			}
		}
	}
}

func TestParseExecBroken(t *testing.T) {
	pe := minimalPE()
	for _, cut := range []int{2, 0x3c, 0x44, 0x60, 0x58 + 0xe0 + 10} {
		d := pe[:cut]
		if info := parseExec(bytesReaderAt(d), int64(len(d)), filetype.MSEXE); info.ok {
			t.Errorf("PE cut at %d parsed with %d sections", cut, len(info.secs))
		}
	}
	// Too many sections is refused, not allocated.
	bad := minimalPE()
	binary.LittleEndian.PutUint16(bad[0x46:], 0xffff)
	if info := parseExec(bytesReaderAt(bad), int64(len(bad)), filetype.MSEXE); info.ok {
		t.Errorf("PE with 65535 sections parsed")
	}
	elfHead := []byte("\x7fELF\x02\x01\x01garbage-garbage-garbage-garbage-garbage-garbage-garbage")
	if info := parseExec(bytesReaderAt(elfHead), int64(len(elfHead)), filetype.ELF); info.ok {
		t.Errorf("garbage ELF parsed")
	}
}
