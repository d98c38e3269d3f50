package difftest

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"testing"
)

// A minimal PE32 image with well-formed headers: ClamAV's PE parser
// accepts it (the target-1 cases would fail otherwise), so EP, Sx, SL and
// SEx offsets, target 1 and section hashes can be compared on files we
// control byte for byte. Nothing in it executes.

const (
	peFileAlign = 0x200
	peSectAlign = 0x1000
	peHdrSize   = 0x200 // headers padded to one file-alignment unit
	peLfanew    = 0x40
)

// peImage describes the image to build: sections (raw data, padded to the
// file alignment) and the entry point as (section, offset). An overlay is
// whatever a caller appends to the built image.
type peImage struct {
	sections [][]byte
	epSect   int
	epOff    uint32
	// rsrc, when above zero, is 1 + the index of the section that is the
	// resource directory (data directory 2).
	rsrc int
}

// peLayout is where things ended up in the built file.
type peLayout struct {
	secOff  []int // raw offset of each section
	secSize []int // its SizeOfRawData
	epFile  int   // file offset of the entry point
	size    int
}

func alignUp(n, a int) int { return (n + a - 1) / a * a }

func (img peImage) build() ([]byte, peLayout) {
	n := len(img.sections)
	le := binary.LittleEndian
	var lay peLayout
	raw := peHdrSize
	for _, s := range img.sections {
		lay.secOff = append(lay.secOff, raw)
		lay.secSize = append(lay.secSize, alignUp(max(len(s), 1), peFileAlign))
		raw += lay.secSize[len(lay.secSize)-1]
	}
	out := make([]byte, raw)

	out[0], out[1] = 'M', 'Z'
	le.PutUint32(out[0x3c:], peLfanew)
	copy(out[peLfanew:], "PE\x00\x00")
	coff := out[peLfanew+4:]
	le.PutUint16(coff[0:], 0x14c) // i386
	le.PutUint16(coff[2:], uint16(n))
	le.PutUint16(coff[16:], 0xe0)   // size of the PE32 optional header
	le.PutUint16(coff[18:], 0x0102) // executable, 32-bit machine

	epRVA := uint32(peSectAlign*(img.epSect+1)) + img.epOff
	opt := out[peLfanew+24:]
	le.PutUint16(opt[0:], 0x10b) // PE32
	le.PutUint32(opt[4:], uint32(alignUp(len(img.sections[0]), peFileAlign)))
	le.PutUint32(opt[16:], epRVA)
	le.PutUint32(opt[20:], peSectAlign) // base of code
	le.PutUint32(opt[28:], 0x400000)    // image base
	le.PutUint32(opt[32:], peSectAlign)
	le.PutUint32(opt[36:], peFileAlign)
	le.PutUint16(opt[40:], 4) // OS version
	le.PutUint16(opt[48:], 4) // subsystem version
	imageSize := peSectAlign
	for _, s := range img.sections {
		imageSize += alignUp(max(len(s), 1), peSectAlign)
	}
	le.PutUint32(opt[56:], uint32(imageSize))
	le.PutUint32(opt[60:], peHdrSize)
	le.PutUint16(opt[68:], 2) // Windows GUI
	le.PutUint32(opt[72:], 0x100000)
	le.PutUint32(opt[76:], 0x1000)
	le.PutUint32(opt[80:], 0x100000)
	le.PutUint32(opt[84:], 0x1000)
	le.PutUint32(opt[92:], 16) // data directories, all empty but resources
	if img.rsrc > 0 {
		le.PutUint32(opt[96+2*8:], uint32(peSectAlign*img.rsrc))
		le.PutUint32(opt[96+2*8+4:], uint32(len(img.sections[img.rsrc-1])))
	}

	rva := peSectAlign
	for i, s := range img.sections {
		h := out[peLfanew+24+0xe0+40*i:]
		copy(h[0:8], []byte{'.', 's', byte('0' + i)})
		le.PutUint32(h[8:], uint32(max(len(s), 1)))
		le.PutUint32(h[12:], uint32(rva))
		le.PutUint32(h[16:], uint32(alignUp(max(len(s), 1), peFileAlign)))
		le.PutUint32(h[20:], uint32(lay.secOff[i]))
		ch := uint32(0xc0000040) // initialised data, read/write
		if i == 0 {
			ch = 0x60000020 // code, execute/read
		}
		le.PutUint32(h[36:], ch)
		copy(out[lay.secOff[i]:], s)
		rva += alignUp(max(len(s), 1), peSectAlign)
	}
	lay.epFile = lay.secOff[img.epSect] + int(img.epOff)
	lay.size = len(out)
	return out, lay
}

// sectionRVA is the RVA of section i of a built image whose sections are
// each under one section alignment (4 KiB).
func sectionRVA(i int) uint32 { return uint32(peSectAlign * (i + 1)) }

// versionResource builds a resource directory, to be section data at rva,
// holding one VS_VERSION_INFO with the given strings (key, value): the
// tree type 16 (RT_VERSION) / name 1 / language 0x409, a data entry, and
// the structure as the PE format describes it.
func versionResource(rva uint32, pairs [][2]string) []byte {
	le := binary.LittleEndian
	u16z := func(s string) []byte {
		var b []byte
		for _, c := range []byte(s) {
			b = le.AppendUint16(b, uint16(c))
		}
		return append(b, 0, 0)
	}
	pad4 := func(b []byte) []byte {
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
		return b
	}
	// node is wLength, wValueLength, wType, key, padding, value, children.
	node := func(key string, valueLen uint16, typ uint16, value []byte, children []byte) []byte {
		b := make([]byte, 6)
		b = pad4(append(b, u16z(key)...))
		b = pad4(append(b, value...))
		b = append(b, children...)
		le.PutUint16(b[0:], uint16(len(b)))
		le.PutUint16(b[2:], valueLen)
		le.PutUint16(b[4:], typ)
		return b
	}
	var strs []byte
	for _, kv := range pairs {
		v := u16z(kv[1])
		strs = pad4(append(strs, node(kv[0], uint16(len(v)/2), 1, v, nil)...))
	}
	fixed := make([]byte, 0x34)
	le.PutUint32(fixed, 0xfeef04bd)
	le.PutUint32(fixed[4:], 0x10000)
	table := node("040904b0", 0, 1, nil, strs)
	vi := node("VS_VERSION_INFO", 0x34, 0, fixed, node("StringFileInfo", 0, 1, nil, table))

	b := make([]byte, 0x58)
	dir := func(at, id, off uint32) {
		le.PutUint16(b[at+14:], 1) // one entry by ID
		le.PutUint32(b[at+16:], id)
		le.PutUint32(b[at+20:], off)
	}
	dir(0, 16, 0x80000000|0x18)
	dir(0x18, 1, 0x80000000|0x30)
	dir(0x30, 0x409, 0x48)
	le.PutUint32(b[0x48:], rva+0x58)
	le.PutUint32(b[0x4c:], uint32(len(vi)))
	return append(b, vi...)
}

// section returns the raw bytes of section i as stored in the file (with
// the alignment padding: SizeOfRawData), which is what ClamAV hashes for
// .mdb/.msb.
func (lay peLayout) section(data []byte, i int) []byte {
	return data[lay.secOff[i] : lay.secOff[i]+lay.secSize[i]]
}

// TestPEBuilder checks our image against Go's own PE parser, so a broken
// builder cannot make both scanners agree on "not a PE".
func TestPEBuilder(t *testing.T) {
	img := peImage{sections: [][]byte{bytes.Repeat([]byte{0x90}, 100), []byte("data section")}, epSect: 0, epOff: 16}
	data, lay := img.build()
	f, err := pe.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("debug/pe rejects the image: %v", err)
	}
	if len(f.Sections) != 2 {
		t.Fatalf("%d sections", len(f.Sections))
	}
	oh, ok := f.OptionalHeader.(*pe.OptionalHeader32)
	if !ok {
		t.Fatalf("optional header %T", f.OptionalHeader)
	}
	s0 := f.Sections[0]
	if got := int(oh.AddressOfEntryPoint-s0.VirtualAddress) + int(s0.Offset); got != lay.epFile {
		t.Errorf("entry point at file offset %d, layout says %d", got, lay.epFile)
	}
	for i, s := range f.Sections {
		if int(s.Offset) != lay.secOff[i] {
			t.Errorf("section %d at %d, layout says %d", i, s.Offset, lay.secOff[i])
		}
	}
	if b, _ := f.Sections[1].Data(); !bytes.HasPrefix(b, []byte("data section")) {
		t.Errorf("section 1 data %q", b[:16])
	}
}
