package unpack

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
)

// OLE2 compound files (MS-CFB): Word, Excel and PowerPoint 97-2003, MSI
// installers, Outlook .msg, the vbaProject.bin of OOXML documents. The
// reader is our own rather than github.com/richardlehane/mscfb because a
// scanner needs what that library does not give: a FAT loop in a stream's
// chain is an error here (mscfb follows it until the declared size, so a
// 2 KiB file can yield gigabytes), the FAT is read once instead of 4 bytes
// per sector step, and a bad sibling index drops one branch of the
// directory instead of the whole file, as ClamAV does.

var magicOLE2 = []byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}

const (
	cfbEndOfChain = 0xfffffffe
	cfbNoStream   = 0xffffffff
	cfbHeaderSize = 512
	cfbDirEntry   = 128

	cfbStorage = 1
	cfbStream  = 2
	cfbRoot    = 5
)

// ErrFATLoop is the corruption of a sector chain that comes back to a sector
// it already passed.
var errFATLoop = errors.New("sector chain loops")

type cfbEntry struct {
	name               string
	kind               byte
	left, right, child uint32
	start              uint32
	size               int64
	path               string // storage path, "/"-joined, "" for the root's children
	reached            bool
}

type cfb struct {
	r          io.ReaderAt
	size       int64
	shift      uint
	sector     int64
	miniCutoff int64
	fat        []uint32
	miniFat    []uint32
	miniChain  []uint32 // the root entry's chain: where the mini stream lives
	dir        []cfbEntry
	damaged    error // the first non-fatal damage found
}

// openCFB reads the header, FAT, directory and mini FAT of a compound file.
func openCFB(r io.ReaderAt, size int64) (*cfb, error) {
	var h [cfbHeaderSize]byte
	if n, err := r.ReadAt(h[:], 0); n < 76 {
		return nil, fmt.Errorf("%w: ole2: header: %v", ErrCorrupt, err)
	}
	if string(h[:8]) != string(magicOLE2) {
		return nil, fmt.Errorf("%w: ole2: bad magic", ErrCorrupt)
	}
	c := &cfb{r: r, size: size}
	shift := binary.LittleEndian.Uint16(h[0x1e:])
	if shift < 7 || shift > 16 {
		return nil, fmt.Errorf("%w: ole2: sector shift %d", ErrCorrupt, shift)
	}
	c.shift, c.sector = uint(shift), 1<<shift
	c.miniCutoff = int64(binary.LittleEndian.Uint32(h[0x38:]))
	if c.miniCutoff == 0 || c.miniCutoff > 1<<20 {
		c.miniCutoff = 4096
	}
	nsect := c.sectors()
	numFAT := int64(binary.LittleEndian.Uint32(h[0x2c:]))
	dirStart := binary.LittleEndian.Uint32(h[0x30:])
	miniFatStart := binary.LittleEndian.Uint32(h[0x3c:])
	difatStart := binary.LittleEndian.Uint32(h[0x44:])
	numDIFAT := int64(binary.LittleEndian.Uint32(h[0x48:]))

	// FAT sector numbers: 109 in the header, the rest in the DIFAT chain.
	// No count from the header is trusted past what the file can hold.
	numFAT = min(numFAT, nsect)
	var fatSects []uint32
	for i := 0; i < 109 && int64(len(fatSects)) < numFAT; i++ {
		fatSects = append(fatSects, binary.LittleEndian.Uint32(h[0x4c+4*i:]))
	}
	per := int(c.sector / 4)
	seen := map[uint32]bool{}
	for s, i := difatStart, int64(0); int64(len(fatSects)) < numFAT && i < numDIFAT && s < cfbEndOfChain-3; i++ {
		if seen[s] {
			c.damage(fmt.Errorf("DIFAT: %w", errFATLoop))
			break
		}
		seen[s] = true
		b, err := c.readSector(s)
		if err != nil {
			c.damage(fmt.Errorf("DIFAT sector %d: %w", s, err))
			break
		}
		for j := 0; j < per-1 && int64(len(fatSects)) < numFAT; j++ {
			fatSects = append(fatSects, binary.LittleEndian.Uint32(b[4*j:]))
		}
		s = binary.LittleEndian.Uint32(b[c.sector-4:])
	}
	c.fat = make([]uint32, 0, min(int64(len(fatSects))*int64(per), nsect+int64(per)))
	for _, s := range fatSects {
		b, err := c.readSector(s)
		if err != nil {
			c.damage(fmt.Errorf("FAT sector %d: %w", s, err))
			// Keep the numbering of later entries right.
			b = make([]byte, c.sector)
			for i := range b {
				b[i] = 0xff
			}
		}
		for j := 0; j < per; j++ {
			c.fat = append(c.fat, binary.LittleEndian.Uint32(b[4*j:]))
		}
	}

	dirChain, err := c.chain(dirStart, c.fat)
	if err != nil {
		if len(dirChain) == 0 {
			return nil, fmt.Errorf("%w: ole2: directory: %w", ErrCorrupt, err)
		}
		c.damage(fmt.Errorf("directory: %w", err))
	}
	for _, s := range dirChain {
		b, err := c.readSector(s)
		if err != nil {
			c.damage(fmt.Errorf("directory sector %d: %w", s, err))
			break
		}
		for off := 0; off+cfbDirEntry <= len(b); off += cfbDirEntry {
			c.dir = append(c.dir, parseDirEntry(b[off:off+cfbDirEntry]))
		}
	}
	if len(c.dir) == 0 || c.dir[0].kind != cfbRoot {
		return nil, fmt.Errorf("%w: ole2: no root directory entry", ErrCorrupt)
	}
	if mf, err := c.chain(miniFatStart, c.fat); err == nil || len(mf) > 0 {
		if err != nil {
			c.damage(fmt.Errorf("mini FAT: %w", err))
		}
		for _, s := range mf {
			b, err := c.readSector(s)
			if err != nil {
				c.damage(fmt.Errorf("mini FAT sector %d: %w", s, err))
				break
			}
			for j := 0; j < per; j++ {
				c.miniFat = append(c.miniFat, binary.LittleEndian.Uint32(b[4*j:]))
			}
		}
	}
	if c.miniChain, err = c.chain(c.dir[0].start, c.fat); err != nil {
		c.damage(fmt.Errorf("mini stream: %w", err))
	}
	c.tree()
	return c, nil
}

func (c *cfb) damage(err error) {
	if c.damaged == nil {
		c.damaged = err
	}
}

// sectors is how many whole or partial sectors follow the header.
func (c *cfb) sectors() int64 { return (c.size + c.sector - 1 - c.sector) / c.sector }

func (c *cfb) readSector(s uint32) ([]byte, error) {
	off := (int64(s) + 1) << c.shift
	if int64(s) >= c.sectors() {
		return nil, fmt.Errorf("sector %d past the end of the file", s)
	}
	b := make([]byte, c.sector)
	n, err := c.r.ReadAt(b, off)
	if n == 0 && err != nil {
		return nil, err
	}
	return b, nil // a last sector cut short reads as zero-padded
}

// chain follows a sector chain through fat. A chain that loops or points
// outside the table ends with an error, returning the sectors before it.
func (c *cfb) chain(start uint32, fat []uint32) ([]uint32, error) {
	var out []uint32
	seen := make(map[uint32]struct{})
	for s := start; s != cfbEndOfChain; {
		if s >= cfbEndOfChain-3 { // free, FAT or DIFAT marker: an early end
			if s == cfbNoStream && len(out) == 0 {
				return nil, nil
			}
			return out, fmt.Errorf("chain ends in marker %#x", s)
		}
		if _, ok := seen[s]; ok {
			return out, errFATLoop
		}
		if int(s) >= len(fat) {
			return out, fmt.Errorf("sector %d outside the FAT", s)
		}
		seen[s] = struct{}{}
		out = append(out, s)
		s = fat[s]
	}
	return out, nil
}

func parseDirEntry(b []byte) cfbEntry {
	e := cfbEntry{
		kind:  b[0x42],
		left:  binary.LittleEndian.Uint32(b[0x44:]),
		right: binary.LittleEndian.Uint32(b[0x48:]),
		child: binary.LittleEndian.Uint32(b[0x4c:]),
		start: binary.LittleEndian.Uint32(b[0x74:]),
		size:  int64(binary.LittleEndian.Uint32(b[0x78:])),
	}
	// The high half of the size is only meaningful in version 4 files;
	// version 3 writers leave junk there, so it is ignored: no real
	// stream reaches 4 GiB.
	n := int(binary.LittleEndian.Uint16(b[0x40:]))
	if n > 64 {
		n = 64
	}
	u := make([]uint16, 0, n/2)
	for i := 0; i+1 < n; i += 2 {
		v := binary.LittleEndian.Uint16(b[i:])
		if v == 0 {
			break
		}
		u = append(u, v)
	}
	e.name = string(utf16.Decode(u))
	return e
}

// tree sets each entry's storage path by walking the red-black trees from
// the root. A sibling or child index out of range, or one already visited,
// cuts that branch only.
func (c *cfb) tree() {
	c.dir[0].reached = true
	var walk func(i uint32, path string, depth int)
	walk = func(i uint32, path string, depth int) {
		for i != cfbNoStream {
			if int(i) >= len(c.dir) || c.dir[i].reached || depth > 256 {
				c.damage(fmt.Errorf("directory tree: bad entry %d", i))
				return
			}
			e := &c.dir[i]
			e.reached, e.path = true, path
			walk(e.left, path, depth+1)
			if e.kind == cfbStorage {
				walk(e.child, joinPath(path, e.name), depth+1)
			}
			i = e.right // the right spine iterates, so long lists do not recurse deeply
		}
	}
	walk(c.dir[0].child, "", 0)
}

func joinPath(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// streams lists the reachable stream entries in directory order, which is
// the order their writer created them.
func (c *cfb) streams() []*cfbEntry {
	var out []*cfbEntry
	for i := range c.dir {
		if e := &c.dir[i]; e.reached && e.kind == cfbStream {
			out = append(out, e)
		}
	}
	return out
}

// open returns a reader over a stream's bytes, and the damage that cut it
// short (a broken chain), if any; what could be read is still returned.
func (c *cfb) open(e *cfbEntry) (io.Reader, error) {
	if e.size == 0 {
		return strings.NewReader(""), nil
	}
	if e.size < c.miniCutoff {
		return c.openMini(e)
	}
	chain, err := c.chain(e.start, c.fat)
	var parts []io.Reader
	left := e.size
	for _, s := range chain {
		if left <= 0 {
			break
		}
		n := min(left, c.sector)
		parts = append(parts, io.NewSectionReader(c.r, (int64(s)+1)<<c.shift, n))
		left -= n
	}
	return c.finish(parts, left, err)
}

func (c *cfb) openMini(e *cfbEntry) (io.Reader, error) {
	chain, err := c.chain(e.start, c.miniFat)
	const mini = 64
	per := c.sector / mini
	var parts []io.Reader
	left := e.size
	for _, s := range chain {
		if left <= 0 {
			break
		}
		idx := int64(s) / per
		if idx >= int64(len(c.miniChain)) {
			err = fmt.Errorf("mini sector %d outside the mini stream", s)
			break
		}
		n := min(left, mini)
		off := (int64(c.miniChain[idx])+1)<<c.shift + (int64(s)%per)*mini
		parts = append(parts, io.NewSectionReader(c.r, off, n))
		left -= n
	}
	return c.finish(parts, left, err)
}

func (c *cfb) finish(parts []io.Reader, left int64, err error) (io.Reader, error) {
	rd := io.MultiReader(parts...)
	switch {
	case err != nil:
		return rd, err
	case left > 0:
		return rd, io.ErrUnexpectedEOF
	}
	return rd, nil
}

// ole2 walks a compound file: every stream as a member (named by its
// storage path), plus what is decoded from the streams that wrap other
// content: the files of OLE1 packages (Ole10Native), VBA module sources,
// and PowerPoint's embedded objects.
func (w *walker) ole2(src io.ReaderAt, size int64) error {
	c, err := openCFB(src, size)
	if err != nil {
		return err
	}
	streams := c.streams()
	w.info.MemberCount = len(streams)
	if c.hasEncryptedPackage() {
		w.info.Encrypted = true
	}
	var dataErrs error
	vbaDirs := map[string]bool{}
	for _, e := range streams {
		name := joinPath(e.path, cleanStreamName(e.name))
		var raw []byte
		keep := wantsDecoding(e)
		dataErr, stop := w.emit(name, false, func() (io.Reader, error) {
			rd, err := c.open(e)
			if err != nil {
				err = fmt.Errorf("stream %q: %w", name, err)
			}
			if keep {
				return &teeBounded{r: rd, buf: &raw, max: maxDecodedStream}, err
			}
			return rd, err
		})
		if stop != nil {
			return stop
		}
		if dataErr != nil && !isLimit(dataErr) {
			dataErrs = errors.Join(dataErrs, dataErr)
		}
		if strings.EqualFold(e.name, "dir") && c.isVBAStorage(e.path) {
			vbaDirs[e.path] = true
		}
		if !keep || raw == nil {
			continue
		}
		switch {
		case strings.EqualFold(cleanStreamName(e.name), "Ole10Native"):
			stop = w.ole10Native(name, raw)
		case strings.EqualFold(e.name, "PowerPoint Document"):
			stop = w.pptObjects(name, raw)
		}
		if stop != nil {
			return stop
		}
	}
	for _, dir := range sortedKeys(vbaDirs) {
		if err := w.vbaProject(c, dir); err != nil {
			return err
		}
	}
	if c.damaged != nil && dataErrs == nil {
		return fmt.Errorf("%w: ole2: %w", ErrCorrupt, c.damaged)
	}
	return nil
}

// maxDecodedStream bounds the copy kept of a stream that is decoded
// further (Ole10Native, PowerPoint Document): they hold embedded files, so
// the member size limit is the natural bound.
const maxDecodedStream = 100 * mib

// wantsDecoding says whether the walk keeps a copy of the stream's bytes to
// decode what it wraps.
func wantsDecoding(e *cfbEntry) bool {
	n := cleanStreamName(e.name)
	return strings.EqualFold(n, "Ole10Native") || strings.EqualFold(e.name, "PowerPoint Document")
}

// cleanStreamName drops the control character that prefixes the names of
// system streams ("\x01Ole10Native", "\x05SummaryInformation").
func cleanStreamName(s string) string {
	return strings.TrimLeft(s, "\x00\x01\x02\x03\x04\x05\x06")
}

// hasEncryptedPackage recognises an encrypted OOXML document, which is an
// OLE2 file holding EncryptionInfo and EncryptedPackage (MS-OFFCRYPTO 2.3.4).
func (c *cfb) hasEncryptedPackage() bool {
	var info, pkg bool
	for _, e := range c.streams() {
		if e.path == "" {
			info = info || e.name == "EncryptionInfo"
			pkg = pkg || e.name == "EncryptedPackage"
		}
	}
	return info && pkg
}

func (c *cfb) isVBAStorage(path string) bool {
	for _, e := range c.streams() {
		if e.path == path && strings.EqualFold(e.name, "_VBA_PROJECT") {
			return true
		}
	}
	return false
}

// find returns the stream named name in storage path.
func (c *cfb) find(path, name string) *cfbEntry {
	for _, e := range c.streams() {
		if e.path == path && strings.EqualFold(e.name, name) {
			return e
		}
	}
	return nil
}

// teeBounded copies up to max bytes of what passes through into *buf.
type teeBounded struct {
	r   io.Reader
	buf *[]byte
	max int
}

func (t *teeBounded) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n > 0 && len(*t.buf) < t.max {
		*t.buf = append(*t.buf, p[:min(n, t.max-len(*t.buf))]...)
	}
	if *t.buf == nil {
		*t.buf = []byte{}
	}
	return n, err
}
