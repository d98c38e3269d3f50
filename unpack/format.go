package unpack

import (
	"bytes"
	"encoding/binary"
	"io"
	"strconv"
	"sync"

	"github.com/sigtool/sigtool/filetype"
)

// Format is an archive or compression format recognised by [Identify].
type Format int

const (
	Unknown Format = iota
	Zip
	Tar
	Gzip
	Bzip2
	Xz
	SevenZip
	Rar
	Tnef
	BinHex
	OLE2
	PDF
	RTF
	Cab
	ISO
	Cpio
	HTML
	Szdd
	OneNote
	Arj
	Chm
	Nsis
	IShield
	Sis
	UPX
	Overlay
	SWF
	YC
	WWPack
	ASPack
	MEW
	Upack
	Petite
	PESpin
	EmbeddedPE
	AutoIt
	ISMSI
	Alz

	// Recognised, not opened (see unopened.go); the first of them is
	// firstUnopened.
	Lha
	Ace
	StuffIt
	Zoo
	ISCab
)

var formatNames = [...]string{
	Unknown:  "unknown",
	Zip:      "zip",
	Tar:      "tar",
	Gzip:     "gzip",
	Bzip2:    "bzip2",
	Xz:       "xz",
	SevenZip: "7z",
	Rar:      "rar",
	Tnef:     "tnef",
	BinHex:   "binhex",
	OLE2:     "ole2",
	PDF:      "pdf",
	RTF:      "rtf",
	Cab:      "cab",
	ISO:      "iso9660",
	Arj:      "arj",
	Lha:      "lha",
	Ace:      "ace",
	Cpio:     "cpio",
	HTML:     "html",
	Szdd:     "szdd",
	OneNote:  "onenote",
	Chm:      "chm",
	Nsis:     "nsis",
	IShield:  "installshield",
	Sis:      "sis",
	Overlay:  "pe-overlay",
	SWF:      "swf",
	StuffIt:  "stuffit",
	Zoo:      "zoo",
	UPX:      "upx",
	YC:       "yc",
	WWPack:   "wwpack",
	ASPack:   "aspack",
	MEW:      "mew",
	Upack:    "upack",
	Petite:   "petite",
	PESpin:   "pespin",
	// EmbeddedPE is a PE file that holds others.
	EmbeddedPE: "pe-embedded",
	AutoIt:     "autoit",
	ISMSI:      "installshield-msi",
	ISCab:      "installshield-cab",
	Alz:        "alz",
}

// Opened reports whether [Walk] can read f's members; the other formats
// Identify knows are containers whose members stay unscanned.
func (f Format) Opened() bool { return f > Unknown && f < firstUnopened }

// Archive reports whether f is a file archive, a container that people
// put files into (zip, tar, rar, cab, ...), as opposed to a document or
// program whose parts a scanner takes apart (OLE2, PDF). A mail policy's
// member limit is about archives; a PDF of 500 streams is not suspect.
func (f Format) Archive() bool {
	switch f {
	case OLE2, PDF, RTF, HTML, OneNote, Chm, SWF, UPX, YC, WWPack, ASPack, MEW, Upack, Petite, PESpin, EmbeddedPE:
		return false
	}
	return f != Unknown
}

// IdentifyReader is Identify for formats whose magic lies past the head:
// ISO 9660 images are recognised by their first volume descriptor, 32 KiB
// in, installers by a PE file's overlay, and a zip behind other data by
// its end record. head is what the caller read from the start of r.
func IdentifyReader(head []byte, r io.ReaderAt, size int64) Format {
	if bytes.HasPrefix(head, []byte("MZ")) {
		// Before UPX: yC encrypts a UPX file's sections, not its headers.
		if _, ok := readYC(r, size); ok {
			return YC
		}
		if isWWPack(r, size) {
			return WWPack
		}
		// Before UPX: AutoIt's stub is packed, its script is not.
		if _, ok := findAutoIt(r, size); ok {
			return AutoIt
		}
		if f := packerOf(r, size); f != Unknown {
			return f
		}
	}
	if f := Identify(head); f != Unknown {
		return f
	}
	if isISO(r, size) {
		return ISO
	}
	if f := identifyOverlay(r, size); f != Unknown {
		return f
	}
	if zipByEnd(r, size) {
		return Zip
	}
	if bytes.HasPrefix(head, []byte("MZ")) && hasEmbeddedPE(r, size) {
		return EmbeddedPE
	}
	return Unknown
}

// zipByEnd recognises a zip by its end-of-central-directory record, which
// ends the file (after a comment of the length it gives), as unzip finds
// zips: data put before a zip (junk to hide it from scanners that look at
// offset 0, the last part of a split archive) does not stop it being read.
func zipByEnd(r io.ReaderAt, size int64) bool {
	const eocd = 22
	n := min(size, eocd+0xffff)
	if n < eocd {
		return false
	}
	var tail []byte
	if b, ok := r.(interface{ Bytes() []byte }); ok && int64(len(b.Bytes())) >= size {
		tail = b.Bytes()[size-n : size] // in memory: looked at in place
	} else {
		// Most zips have no comment: their record is the last 22 bytes.
		var last [eocd]byte
		if _, err := r.ReadAt(last[:], size-eocd); err != nil {
			return false
		}
		if isEOCD(last[:], 0) {
			return true
		}
		buf := tailBufs.Get().(*[]byte)
		defer tailBufs.Put(buf)
		tail = (*buf)[:n]
		if _, err := r.ReadAt(tail, size-n); err != nil {
			return false
		}
	}
	// Forward, with the vectorised search: a record of the right comment
	// length anywhere in the tail.
	for i := 0; i+eocd <= len(tail); {
		k := bytes.Index(tail[i:], magicZipEmpty)
		if k < 0 {
			return false
		}
		if isEOCD(tail, i+k) {
			return true
		}
		i += k + 1
	}
	return false
}

// isEOCD reports whether tail holds at off an end-of-central-directory
// record whose comment ends the tail.
func isEOCD(tail []byte, off int) bool {
	const eocd = 22
	return off+eocd <= len(tail) && bytes.Equal(tail[off:off+4], magicZipEmpty) &&
		off+eocd+int(binary.LittleEndian.Uint16(tail[off+20:])) == len(tail)
}

// tailBufs holds zipByEnd's buffers: every layer that is not of a known
// format is looked at, and a fresh 64 KiB each was most of what typing
// a document's members allocated.
var tailBufs = sync.Pool{New: func() any { b := make([]byte, 22+0xffff); return &b }}

func (f Format) String() string {
	if f >= 0 && int(f) < len(formatNames) {
		return formatNames[f]
	}
	return "Format(" + strconv.Itoa(int(f)) + ")"
}

// HeadSize is how many leading bytes [Identify] needs to recognise every
// format; tar is the one that needs a whole 512-byte header block.
const HeadSize = 512

var (
	magicZip      = []byte("PK\x03\x04")
	magicZipEmpty = []byte("PK\x05\x06")
	magicZipSpan  = []byte("PK\x07\x08PK\x03\x04")
	magicGzip     = []byte{0x1f, 0x8b, 0x08}
	magicXz       = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}
	magic7z       = []byte{'7', 'z', 0xbc, 0xaf, 0x27, 0x1c}
	magicRar4     = []byte("Rar!\x1a\x07\x00")
	magicRar5     = []byte("Rar!\x1a\x07\x01\x00")
	bzBlockMagic  = []byte{0x31, 0x41, 0x59, 0x26, 0x53, 0x59}
	bzEndMagic    = []byte{0x17, 0x72, 0x45, 0x38, 0x50, 0x90}
)

// Identify reports the format of data starting with head, or Unknown. It
// looks only at magic bytes; give it at least [HeadSize] bytes (or the whole
// input if shorter) so that tar, which has no magic in old v7 archives, can
// be recognised by its header checksum.
func Identify(head []byte) Format {
	switch {
	case bytes.HasPrefix(head, magicZip), bytes.HasPrefix(head, magicZipEmpty),
		bytes.HasPrefix(head, magicZipSpan):
		return Zip
	case bytes.HasPrefix(head, magicGzip):
		return Gzip
	case isBzip2(head):
		return Bzip2
	case bytes.HasPrefix(head, magicXz):
		return Xz
	case bytes.HasPrefix(head, magic7z):
		return SevenZip
	case bytes.HasPrefix(head, magicRar4), bytes.HasPrefix(head, magicRar5):
		return Rar
	case len(head) >= 6 && binary.LittleEndian.Uint32(head) == tnefSignature:
		return Tnef
	case bytes.HasPrefix(head, BinHexPrefix):
		return BinHex
	case bytes.HasPrefix(head, magicOLE2):
		return OLE2
	case isTarHeader(head):
		return Tar
	case bytes.HasPrefix(head, magicCab):
		return Cab
	case bytes.HasPrefix(head, magicRTF):
		return RTF
	case isPDF(head):
		return PDF
	}
	t := filetype.Identify(head)
	if f, ok := typedFormats[t]; ok {
		return f
	}
	return identifyUnopened(head, t)
}

// typedFormats are the containers whose magic lives in package filetype,
// the one place that types content: a format opened here is recognised by
// the type filetype gives its head.
var typedFormats = map[filetype.Type]Format{
	filetype.CPIOOld:    Cpio,
	filetype.CPIOODC:    Cpio,
	filetype.CPIONewc:   Cpio,
	filetype.CPIOCRC:    Cpio,
	filetype.HTML:       HTML,
	filetype.MSSZDD:     Szdd,
	filetype.OneNote:    OneNote,
	filetype.ARJ:        Arj,
	filetype.MSCHM:      Chm,
	filetype.SIS:        Sis,
	filetype.SWF:        SWF,
	filetype.AutoIt:     AutoIt,
	filetype.IShieldMSI: ISMSI,
	filetype.ALZ:        Alz,
}

// FormatOf is the format that opens content of type t, or Unknown: the
// scan engine asks it for content whose type it learned past the head
// (text that filetype.Found makes HTML).
func FormatOf(t filetype.Type) Format { return typedFormats[t] }

// isBzip2 wants the block (or end-of-stream) magic after "BZh1".."BZh9":
// three letters alone match too much text.
func isBzip2(b []byte) bool {
	if len(b) < 10 || b[0] != 'B' || b[1] != 'Z' || b[2] != 'h' || b[3] < '1' || b[3] > '9' {
		return false
	}
	return bytes.Equal(b[4:10], bzBlockMagic) || bytes.Equal(b[4:10], bzEndMagic)
}

// isTarHeader accepts a 512-byte block whose checksum field matches the sum
// of its bytes (with the field itself counted as spaces). That covers
// ustar, GNU and pre-POSIX v7 headers alike; the "ustar" magic alone would
// miss v7, and the checksum makes accidental matches very unlikely.
func isTarHeader(b []byte) bool {
	if len(b) < 512 || b[0] == 0 {
		return false
	}
	want, ok := parseOctal(b[148:156])
	if !ok {
		return false
	}
	var unsigned, signed int64
	for i := 0; i < 512; i++ {
		c := b[i]
		if i >= 148 && i < 156 {
			c = ' '
		}
		unsigned += int64(c)
		signed += int64(int8(c))
	}
	return want == unsigned || want == signed
}

// parseOctal reads a NUL/space padded octal field; it needs at least one
// digit so an all-zero block does not "match" with checksum 0.
func parseOctal(b []byte) (int64, bool) {
	b = bytes.Trim(b, " \x00")
	if len(b) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '7' {
			return 0, false
		}
		n = n<<3 | int64(c-'0')
	}
	return n, true
}
