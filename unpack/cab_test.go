package unpack

import (
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math/rand"
	"os"
	"strings"
	"testing"
	"time"
)

// A cabinet writer for tests (MS-CAB): one folder holding every file, its
// data cut into 32 KiB blocks, stored or MSZIP-compressed.

type cabTestFile struct {
	name string
	data []byte
}

// lzxStored is an LZX stream of uncompressed blocks: for the folder
// framework, since we have no LZX encoder (real LZX is checked on the
// InstallShield cabinet of clamav-testfiles).
func lzxStored(frames [][]byte) []byte {
	var out []byte
	var acc uint32
	var nb uint
	put := func(v uint32, n uint) { // MSB first into 16-bit LE words
		for i := int(n) - 1; i >= 0; i-- {
			acc = acc<<1 | (v>>uint(i))&1
			nb++
			if nb == 16 {
				out = binary.LittleEndian.AppendUint16(out, uint16(acc))
				acc, nb = 0, 0
			}
		}
	}
	put(0, 1) // no E8 translation
	var all []byte
	for _, f := range frames {
		all = append(all, f...)
	}
	put(3, 3)
	put(uint32(len(all))>>8, 16)
	put(uint32(len(all))&0xff, 8)
	put(0, 16-nb) // to the next word (a whole word when aligned)
	for i := 0; i < 3; i++ {
		out = binary.LittleEndian.AppendUint32(out, 1)
	}
	out = append(out, all...)
	if len(all)%2 == 1 {
		out = append(out, 0)
	}
	return out
}

func buildCab(t testing.TB, comp uint16, files []cabTestFile) []byte {
	t.Helper()
	var all []byte
	for _, f := range files {
		all = append(all, f.data...)
	}
	type block struct {
		data []byte
		ulen int
	}
	var blocks []block
	var hist []byte
	for off := 0; off < len(all) || (off == 0 && len(all) == 0 && false); off += 32768 {
		chunk := all[off:min(off+32768, len(all))]
		switch comp & 0xf {
		case cabStored:
			blocks = append(blocks, block{chunk, len(chunk)})
		case cabMSZIP:
			var b bytes.Buffer
			zw, _ := flate.NewWriterDict(&b, flate.BestCompression, hist)
			zw.Write(chunk)
			zw.Close()
			blocks = append(blocks, block{append([]byte("CK"), b.Bytes()...), len(chunk)})
			hist = append(hist, chunk...)
			if len(hist) > 32768 {
				hist = hist[len(hist)-32768:]
			}
		}
	}
	if comp&0xf == cabLZX {
		var frames [][]byte
		for off := 0; off < len(all); off += 32768 {
			frames = append(frames, all[off:min(off+32768, len(all))])
		}
		stream := lzxStored(frames)
		// One CFDATA per frame; the split of the compressed bytes does not
		// matter to the decoder, which reads the folder as one stream.
		per := (len(stream) + len(frames) - 1) / len(frames)
		for i, f := range frames {
			blocks = append(blocks, block{stream[min(i*per, len(stream)):min((i+1)*per, len(stream))], len(f)})
		}
	}
	var filesPart []byte
	var off uint32
	for _, f := range files {
		e := make([]byte, 16)
		binary.LittleEndian.PutUint32(e, uint32(len(f.data)))
		binary.LittleEndian.PutUint32(e[4:], off)
		binary.LittleEndian.PutUint16(e[10:], 0x5a21)
		filesPart = append(append(filesPart, e...), f.name+"\x00"...)
		off += uint32(len(f.data))
	}
	const hdr, folder = 36, 8
	filesAt := hdr + folder
	dataAt := filesAt + len(filesPart)
	var data []byte
	for _, b := range blocks {
		h := make([]byte, 8)
		binary.LittleEndian.PutUint16(h[4:], uint16(len(b.data)))
		binary.LittleEndian.PutUint16(h[6:], uint16(b.ulen))
		data = append(append(data, h...), b.data...)
	}
	out := make([]byte, hdr+folder)
	copy(out, magicCab)
	binary.LittleEndian.PutUint32(out[8:], uint32(dataAt+len(data)))
	binary.LittleEndian.PutUint32(out[16:], uint32(filesAt))
	out[24], out[25] = 3, 1
	binary.LittleEndian.PutUint16(out[26:], 1)
	binary.LittleEndian.PutUint16(out[28:], uint16(len(files)))
	binary.LittleEndian.PutUint32(out[hdr:], uint32(dataAt))
	binary.LittleEndian.PutUint16(out[hdr+4:], uint16(len(blocks)))
	binary.LittleEndian.PutUint16(out[hdr+6:], comp)
	out = append(out, filesPart...)
	return append(out, data...)
}

func cabTestFiles() []cabTestFile {
	return []cabTestFile{
		{"readme.txt", []byte("hello from a cabinet")},
		{`dir\big.bin`, noise(85000)}, // three blocks, incompressible
		{"empty", nil},
		{"tail.exe", []byte("MZ tail")},
	}
}

// noise is n deterministic bytes that do not compress.
func noise(n int) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(int64(n))).Read(b)
	return b
}

func TestCab(t *testing.T) {
	for _, tc := range []struct {
		name string
		comp uint16
	}{{"stored", cabStored}, {"mszip", cabMSZIP}, {"lzx", cabLZX | 16<<8}} {
		t.Run(tc.name, func(t *testing.T) {
			files := cabTestFiles()
			data := buildCab(t, tc.comp, files)
			if Identify(data) != Cab {
				t.Fatalf("Identify = %s", Identify(data))
			}
			members, info, err := walkAll(t, Cab, data, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if info.MemberCount != len(files) || len(members) != len(files) {
				t.Fatalf("%d members, count %d", len(members), info.MemberCount)
			}
			for i, f := range files {
				if members[i].name != f.name || members[i].data != string(f.data) || members[i].err != nil {
					t.Errorf("member %d: %q %d bytes %v, want %q %d bytes", i, members[i].name, len(members[i].data), members[i].err, f.name, len(f.data))
				}
			}
		})
	}
}

func TestCabDamaged(t *testing.T) {
	data := buildCab(t, cabMSZIP, cabTestFiles())
	t.Run("truncated data", func(t *testing.T) {
		members, _, _ := walkAll(t, Cab, data[:len(data)-4000], DefaultLimits())
		m := findMember(members, `dir\big.bin`)
		if m == nil || !errors.Is(m.err, ErrCorrupt) {
			t.Errorf("big.bin in a cut cabinet: %+v", m)
		}
	})
	t.Run("quantum", func(t *testing.T) {
		q := bytes.Clone(data)
		binary.LittleEndian.PutUint16(q[36+6:], cabQuantum)
		members, _, _ := walkAll(t, Cab, q, DefaultLimits())
		if len(members) == 0 || !errors.Is(members[0].err, ErrUnsupported) {
			t.Errorf("quantum: %+v", members)
		}
	})
	t.Run("continued from another cabinet", func(t *testing.T) {
		c := bytes.Clone(data)
		binary.LittleEndian.PutUint16(c[36+8+8:], 0xfffd) // first file's iFolder
		members, _, _ := walkAll(t, Cab, c, DefaultLimits())
		if m := findMember(members, "readme.txt"); m == nil || !errors.Is(m.err, ErrUnsupported) {
			t.Errorf("continued file: %+v", members)
		}
	})
}

// TestCabClaimsTerabytes: 1000 files of 4 GiB each over one folder of 65535
// MSZIP blocks of zeros claim 4 TB; the walk stops at a limit, quickly.
func TestCabClaimsTerabytes(t *testing.T) {
	var b bytes.Buffer
	zw, _ := flate.NewWriter(&b, flate.BestCompression)
	zw.Write(make([]byte, 32768))
	zw.Close()
	block := append([]byte("CK"), b.Bytes()...)
	const nfiles, nblocks = 1000, 65535
	var filesPart []byte
	for i := 0; i < nfiles; i++ {
		e := make([]byte, 16)
		binary.LittleEndian.PutUint32(e, 0xffffffff)
		filesPart = append(append(filesPart, e...), "f\x00"...)
	}
	dataAt := 44 + len(filesPart)
	out := make([]byte, 44)
	copy(out, magicCab)
	binary.LittleEndian.PutUint32(out[8:], 0xffffffff)
	binary.LittleEndian.PutUint32(out[16:], 44)
	out[24], out[25] = 3, 1
	binary.LittleEndian.PutUint16(out[26:], 1)
	binary.LittleEndian.PutUint16(out[28:], nfiles)
	binary.LittleEndian.PutUint32(out[36:], uint32(dataAt))
	binary.LittleEndian.PutUint16(out[40:], nblocks)
	binary.LittleEndian.PutUint16(out[42:], cabMSZIP)
	out = append(out, filesPart...)
	for i := 0; i < nblocks; i++ {
		h := make([]byte, 8)
		binary.LittleEndian.PutUint16(h[4:], uint16(len(block)))
		binary.LittleEndian.PutUint16(h[6:], 32768)
		out = append(append(out, h...), block...)
	}
	start := time.Now()
	_, info, err := walkAll(t, Cab, out, DefaultLimits())
	if !errors.Is(err, ErrLimit) {
		t.Fatalf("walk err = %v, want a limit", err)
	}
	// Stopped after tens of MiB of the 4 TB claimed; bounded by bytes, not
	// by wall-clock time, which a loaded 2-core machine under -race cannot
	// promise.
	if info.Expanded > 64<<20 {
		t.Errorf("expanded %d bytes before stopping", info.Expanded)
	}
	t.Logf("%d-byte cabinet: %v after %d bytes, %v", len(out), err, info.Expanded, time.Since(start))
}

// TestCabLZXReal decodes the LZX (21-bit window) cabinet inside an
// InstallShield installer of clamav-testfiles; the digest of IKernel.dll
// is the one of the file clamscan --leave-temps extracts from it.
func TestCabLZXReal(t *testing.T) {
	exe, err := os.ReadFile("/usr/share/clamav-testfiles/clam_IScab_int.exe")
	if err != nil {
		t.Skipf("clamav-testfiles: %v", err)
	}
	at := bytes.Index(exe, magicCab)
	if at < 0 {
		t.Fatal("no cabinet inside")
	}
	members, _, err := walkAll(t, Cab, exe[at:], DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range members {
		if m.err != nil {
			t.Errorf("%s: %v", m.name, m.err)
		}
		names = append(names, m.name)
	}
	if got := strings.Join(names, " "); !strings.HasPrefix(got, "IKernel.dll ctor.dll IScript.dll") || len(names) != 13 {
		t.Errorf("members: %s", got)
	}
	sum := sha256.Sum256([]byte(members[0].data))
	if got := hex.EncodeToString(sum[:]); got != ikernelSHA256 || len(members[0].data) != 753664 {
		t.Errorf("IKernel.dll: %d bytes, sha256 %s", len(members[0].data), got)
	}
}

const ikernelSHA256 = "8f137730eb7330b72ade6b67d6c4b3d6793280423a4e29c53973662a95fa24ba"

func FuzzWalkCab(f *testing.F) {
	f.Add(buildCab(f, cabMSZIP, cabTestFiles()[:2]))
	f.Add(buildCab(f, cabStored, cabTestFiles()[:1]))
	f.Add(buildCab(f, cabLZX|15<<8, cabTestFiles()[:1]))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, Cab, data) })
}

func FuzzLZX(f *testing.F) {
	f.Add(lzxStored([][]byte{[]byte("abc")}), 16)
	if exe, err := os.ReadFile("/usr/share/clamav-testfiles/clam_IScab_int.exe"); err == nil {
		if at := bytes.Index(exe, magicCab); at >= 0 {
			f.Add(exe[at+417+8:at+417+8+4000], 21) // the start of the folder's data
		}
	}
	f.Fuzz(func(t *testing.T, in []byte, bits int) {
		d, err := newLZX(in, 15+(bits&7)%7, bits>>3&3)
		if err != nil {
			return
		}
		for i := 0; i < 8; i++ {
			out, err := d.decodeFrame(lzxFrame)
			if len(out) > lzxFrame {
				t.Fatalf("frame of %d bytes", len(out))
			}
			if err != nil {
				return
			}
		}
	})
}
