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
	le.PutUint32(opt[92:], 16) // data directories, all empty

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
