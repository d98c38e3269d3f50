package unpack

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// A compiled AutoIt script is an interpreter stub (a PE file) followed by
// the script's archive, in the overlay: a 16-byte marker, "AU3!EA05"
// (AutoIt 3.0.5x) or "AU3!EA06" (3.26 and later), 16 bytes of key
// material (EA05) or a checksum (EA06), then one record per file: the
// script itself and each file FileInstall embeds. A record is
//
//	u32 magic ("FILE", encrypted), u32 n, n-unit type string,
//	u32 n, n-unit name, u8 compressed, u32 size, u32 plain size,
//	u32 checksum, 16 bytes of file times, then size bytes of data,
//
// every u32 XORed with a per-version constant and every string and the
// data encrypted with a key stream: EA05's is MT19937's output (each
// word shifted right once), EA06's a RanRot-like generator of 17 words;
// EA06's strings are UTF-16. Compressed data opens with "EA05"/"EA06",
// its plain size (big-endian) and an LZSS bit stream. EA06 stores the
// script as tokens, which autoitScript turns back into text.

const autoitMarkerString = "\xa3\x48\x4b\xbe\x98\x6c\x4a\xa9\x99\x4c\x53\x0a\x86\xd6\x48\x7dAU3!EA0"

var autoitMarker = []byte(autoitMarkerString)

// autoitVersion holds what differs between EA05 and EA06.
type autoitVersion struct {
	magic              uint32 // the record magic as stored
	typeXor, nameXor   uint32 // XORed into the string lengths
	typeSeed, nameSeed uint32 // key seeds, plus the string's length
	sizeXor            uint32
	dataSeed           uint32 // plus EA05's key-material sum
	wide               bool   // strings are UTF-16
	literalBit         uint32 // the flag bit that marks a literal byte
	compMagic          string // opens compressed data
	stream             func(seed uint32) keyStream
	scriptType         string // the script's record type, EA06's tokenised
}

var (
	ea05 = autoitVersion{
		magic: 0xceb06dff, typeXor: 0x29bc, nameXor: 0x29ac, typeSeed: 0xa25e, nameSeed: 0xf25e,
		sizeXor: 0x45aa, dataSeed: 0x22af, literalBit: 0, compMagic: "EA05",
		stream: newMTStream,
	}
	ea06 = autoitVersion{
		magic: 0x52ca436b, typeXor: 0xadbc, nameXor: 0xf820, typeSeed: 0xb33f, nameSeed: 0xf479,
		sizeXor: 0x87bc, dataSeed: 0x2477, wide: true, literalBit: 1, compMagic: "EA06",
		stream: newLameStream, scriptType: ">>>AUTOIT SCRIPT<<<",
	}
)

const autoitMaxString = 4096 // units; the type and name are labels and paths

// findAutoIt returns where the AutoIt marker is (see findMagic).
func findAutoIt(r io.ReaderAt, size int64) (int64, bool) {
	return findMagic(r, size, autoitMarker, func(at int64) bool {
		var b [len(autoitMarkerString) + 1]byte
		_, err := r.ReadAt(b[:], at)
		return err == nil && (b[len(b)-1] == '5' || b[len(b)-1] == '6')
	})
}

// autoit yields the files of a compiled AutoIt script: the script (text;
// EA06's rebuilt from its tokens) and the files FileInstall embeds, named
// as stored. A stub that is itself a container (UPX-packed, say) is
// yielded too, as "autoit-stub", so that the interpreter's own code is
// still unpacked and scanned.
func (w *walker) autoit(src io.ReaderAt, size int64) error {
	at, ok := findAutoIt(src, size)
	if !ok {
		return fmt.Errorf("%w: autoit: no script marker", ErrCorrupt)
	}
	if at > 0 {
		stub := io.NewSectionReader(src, 0, at)
		var head [HeadSize]byte
		n, _ := stub.ReadAt(head[:], 0)
		if IdentifyReader(head[:n], stub, at) != Unknown {
			w.info.MemberCount++
			if _, stop := w.emit("autoit-stub", false, func() (io.Reader, error) { return stub, nil }); stop != nil {
				return stop
			}
		}
	}
	var hdr [len(autoitMarkerString) + 1 + 16]byte // the marker, its version digit, key material
	if _, err := src.ReadAt(hdr[:], at); err != nil {
		return fmt.Errorf("%w: autoit: header at %d: %w", ErrCorrupt, at, err)
	}
	v := ea06
	var keySum uint32
	if hdr[len(autoitMarker)] == '5' {
		v = ea05
		for _, c := range hdr[len(autoitMarker)+1:] {
			keySum += uint32(c)
		}
	}
	off := at + int64(len(hdr))
	for first := true; ; first = false {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		rec, next, err := readAutoItRecord(src, size, off, v)
		if errors.Is(err, errAutoItEnd) {
			if first {
				return fmt.Errorf("%w: autoit: no file record at %d", ErrCorrupt, off)
			}
			return nil // the records end; what follows is not ours to read
		}
		if err != nil {
			return err
		}
		w.info.MemberCount++
		name := rec.name
		if name == "" || (v.scriptType != "" && rec.typ == v.scriptType) {
			name = rec.typ
		}
		if name == "" {
			name = fmt.Sprintf("autoit-%d", w.info.MemberCount)
		}
		if _, stop := w.emit(name, false, func() (io.Reader, error) {
			return autoitData(src, size, rec, v, keySum)
		}); stop != nil {
			return stop
		}
		off = next
	}
}

// errAutoItEnd means no record starts at the offset: the list has ended.
var errAutoItEnd = errors.New("autoit: no record")

type autoitRecord struct {
	typ, name        string
	compressed       bool
	data, size, want int64 // where the data starts, its stored and plain sizes
}

// readAutoItRecord reads the record header at off and returns where the
// next record starts.
func readAutoItRecord(src io.ReaderAt, size, off int64, v autoitVersion) (autoitRecord, int64, error) {
	var rec autoitRecord
	var b [8]byte
	if _, err := src.ReadAt(b[:], off); err != nil || binary.LittleEndian.Uint32(b[:]) != v.magic {
		return rec, 0, errAutoItEnd
	}
	off += 4
	var err error
	if rec.typ, off, err = readAutoItString(src, off, v.typeXor, v.typeSeed, v); err != nil {
		return rec, 0, err
	}
	if rec.name, off, err = readAutoItString(src, off, v.nameXor, v.nameSeed, v); err != nil {
		return rec, 0, err
	}
	var h [13 + 16]byte
	if _, err := src.ReadAt(h[:], off); err != nil {
		return rec, 0, fmt.Errorf("%w: autoit: record %q cut at %d", ErrCorrupt, rec.name, off)
	}
	rec.compressed = h[0] == 1
	rec.size = int64(binary.LittleEndian.Uint32(h[1:]) ^ v.sizeXor)
	rec.want = int64(binary.LittleEndian.Uint32(h[5:]) ^ v.sizeXor)
	rec.data = off + int64(len(h))
	if rec.size > size-rec.data {
		// Read what there is and report the rest missing (autoitData).
		return rec, size, nil
	}
	return rec, rec.data + rec.size, nil
}

// readAutoItString reads a length-prefixed encrypted string at off.
func readAutoItString(src io.ReaderAt, off int64, lenXor, seed uint32, v autoitVersion) (string, int64, error) {
	var b [4]byte
	if _, err := src.ReadAt(b[:], off); err != nil {
		return "", 0, fmt.Errorf("%w: autoit: string length at %d: %w", ErrCorrupt, off, err)
	}
	n := binary.LittleEndian.Uint32(b[:]) ^ lenXor
	if n > autoitMaxString {
		return "", 0, fmt.Errorf("%w: autoit: string of %d units at %d", ErrCorrupt, n, off)
	}
	bytesLen := int64(n)
	if v.wide {
		bytesLen *= 2
	}
	s := make([]byte, bytesLen)
	if _, err := src.ReadAt(s, off+4); err != nil {
		return "", 0, fmt.Errorf("%w: autoit: string at %d: %w", ErrCorrupt, off+4, err)
	}
	v.stream(n + seed).xor(s)
	if v.wide {
		s = lowBytes(s)
	}
	return string(s), off + 4 + bytesLen, nil
}

// lowBytes keeps the low byte of each UTF-16 unit, as ClamAV's text of
// AutoIt strings does, so that signatures written against it match.
func lowBytes(b []byte) []byte {
	out := b[:0]
	for i := 0; i+1 < len(b); i += 2 {
		out = append(out, b[i])
	}
	return out
}

// autoitData opens a record's data: decrypted, decompressed, and an EA06
// script turned back into text.
func autoitData(src io.ReaderAt, size int64, rec autoitRecord, v autoitVersion, keySum uint32) (io.Reader, error) {
	avail := min(rec.size, size-rec.data)
	var r io.Reader = &xorReader{r: io.NewSectionReader(src, rec.data, avail), ks: v.stream(v.dataSeed + keySum)}
	if avail < rec.size {
		r = &errAfter{r: r, err: fmt.Errorf("%w: autoit: %q of %d bytes, the file holds %d", ErrCorrupt, rec.name, rec.size, avail)}
	}
	if rec.compressed {
		br := bufio.NewReader(r)
		var h [8]byte
		if _, err := io.ReadFull(br, h[:]); err != nil {
			return nil, fmt.Errorf("autoit: %q: compressed header: %w", rec.name, err)
		}
		if string(h[:4]) != v.compMagic {
			return nil, fmt.Errorf("autoit: %q: compressed data opens with %q, not %q", rec.name, h[:4], v.compMagic)
		}
		plain := int64(binary.BigEndian.Uint32(h[4:]))
		if plain == 0 {
			plain = rec.size
		}
		r = &autoitLZSS{bits: bitReader16{r: br}, left: plain, literal: v.literalBit}
	}
	if v.scriptType != "" && rec.typ == v.scriptType {
		r = newAutoItScript(r)
	}
	return r, nil
}

// xorReader decrypts r with a key stream.
type xorReader struct {
	r  io.Reader
	ks keyStream
}

func (x *xorReader) Read(p []byte) (int, error) {
	n, err := x.r.Read(p)
	x.ks.xor(p[:n])
	return n, err
}

// keyStream is a source of key bytes.
type keyStream interface{ xor(b []byte) }

// mtStream is EA05's key stream: MT19937 (the standard generator, seeded
// with the standard initialisation), each output word shifted right once
// and its low byte used.
type mtStream struct {
	mt [624]uint32
	i  int
}

func newMTStream(seed uint32) keyStream {
	m := &mtStream{i: 624}
	m.mt[0] = seed
	for i := 1; i < 624; i++ {
		m.mt[i] = 0x6c078965*(m.mt[i-1]^m.mt[i-1]>>30) + uint32(i)
	}
	return m
}

func (m *mtStream) next() uint32 {
	if m.i == 624 {
		for k := range 624 {
			y := m.mt[k]&0x80000000 | m.mt[(k+1)%624]&0x7fffffff
			v := m.mt[(k+397)%624] ^ y>>1
			if y&1 != 0 {
				v ^= 0x9908b0df
			}
			m.mt[k] = v
		}
		m.i = 0
	}
	y := m.mt[m.i]
	m.i++
	y ^= y >> 11
	y ^= y << 7 & 0x9d2c5680
	y ^= y << 15 & 0xefc60000
	y ^= y >> 18
	return y
}

func (m *mtStream) xor(b []byte) {
	for i := range b {
		b[i] ^= byte(m.next() >> 1)
	}
}

// lameStream is EA06's key stream: a lagged generator over 17 words
// (each step sets word c0 to rotl(word c0, 9) + rotl(word c1, 13), both
// indexes counting down from 0 and 10 round 17), of which every second
// output's top byte is a key byte.
type lameStream struct {
	g      [17]uint32
	c0, c1 int
}

func newLameStream(seed uint32) keyStream {
	l := &lameStream{c0: 0, c1: 10}
	s := seed & 0xffff
	for i := range l.g {
		s = 1 - s*0x53a9b4fb
		l.g[i] = s
	}
	for range 9 {
		l.step()
	}
	return l
}

func (l *lameStream) step() uint32 {
	a, b := l.g[l.c0], l.g[l.c1]
	r := (a<<9 | a>>23) + (b<<13 | b>>19)
	l.g[l.c0] = r
	l.c0 = (l.c0 + 16) % 17
	l.c1 = (l.c1 + 16) % 17
	return r
}

func (l *lameStream) xor(b []byte) {
	for i := range b {
		l.step()
		b[i] ^= byte(l.step() >> 24)
	}
}

// bitReader16 reads bits most significant first from 16-bit big-endian
// words, as AutoIt's compressor writes them.
type bitReader16 struct {
	r    io.ByteReader
	word uint32
	n    uint
}

func (b *bitReader16) bits(k uint) (uint32, error) {
	var v uint32
	for ; k > 0; k-- {
		if b.n == 0 {
			hi, err := b.r.ReadByte()
			if err != nil {
				return 0, noEOF(err)
			}
			lo, err := b.r.ReadByte()
			if err != nil {
				return 0, noEOF(err)
			}
			b.word, b.n = uint32(hi)<<8|uint32(lo), 16
		}
		b.n--
		v = v<<1 | b.word>>b.n&1
	}
	return v, nil
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// autoitLZSS decompresses AutoIt's LZSS: a flag bit (EA05: 0 a literal,
// EA06: 1), a literal's 8 bits, or a match's 15-bit distance and a length
// of 3 plus a code of 2, 3, 5 and 8 bits, each wider one read when the
// narrower is all ones, then bytes of 8 bits while they are 255.
type autoitLZSS struct {
	bits    bitReader16
	literal uint32
	window  [1 << 15]byte
	pos     int   // bytes written, ever
	left    int64 // plain bytes still to come
	copyLen int   // of the match being copied
	dist    int
}

func (z *autoitLZSS) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && z.left > 0 {
		if z.copyLen > 0 {
			c := z.window[(z.pos-z.dist)&(len(z.window)-1)]
			z.put(c)
			p[n] = c
			n++
			z.copyLen--
			continue
		}
		flag, err := z.bits.bits(1)
		if err != nil {
			return n, err
		}
		if flag == z.literal {
			c, err := z.bits.bits(8)
			if err != nil {
				return n, err
			}
			z.put(byte(c))
			p[n] = byte(c)
			n++
			continue
		}
		dist, err := z.bits.bits(15)
		if err != nil {
			return n, err
		}
		length, err := z.matchLength()
		if err != nil {
			return n, err
		}
		if dist == 0 || int(dist) > z.pos {
			return n, fmt.Errorf("%w: autoit: match %d bytes back after %d", ErrCorrupt, dist, z.pos)
		}
		z.dist, z.copyLen = int(dist), length
	}
	if z.left == 0 {
		return n, io.EOF
	}
	return n, nil
}

func (z *autoitLZSS) put(c byte) {
	z.window[z.pos&(len(z.window)-1)] = c
	z.pos++
	z.left--
}

func (z *autoitLZSS) matchLength() (int, error) {
	add := 0
	for _, step := range [...]struct {
		width uint
		next  int // added when the code is all ones
	}{{2, 3}, {3, 7}, {5, 31}, {8, 255}} {
		v, err := z.bits.bits(step.width)
		if err != nil {
			return 0, err
		}
		if int(v) != 1<<step.width-1 {
			return 3 + add + int(v), nil
		}
		add += step.next
	}
	for {
		v, err := z.bits.bits(8)
		if err != nil {
			return 0, err
		}
		if v != 255 {
			return 3 + add + int(v), nil
		}
		add += 255
		if add > 1<<30 {
			return 0, fmt.Errorf("%w: autoit: match length runs on", ErrCorrupt)
		}
	}
}
