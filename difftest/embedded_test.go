package difftest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"testing"
)

// zipEntry returns one zip local file entry for data, deflated, with its
// sizes in the local header (flags as given), and nothing after it: no
// central directory, as a Word document's table stream holds its theme.
func zipEntry(t *testing.T, name string, data []byte, flags uint16) []byte {
	t.Helper()
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	fw.Write(data)
	fw.Close()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	f, err := w.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, Flags: flags, CRC32: crc32.ChecksumIEEE(data),
		CompressedSize64: uint64(comp.Len()), UncompressedSize64: uint64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	f.Write(comp.Bytes())
	w.Flush()
	return bytes.Clone(b.Bytes()[:30+len(name)+comp.Len()])
}

// TestEmbeddedZip: ClamAV extracts a zip entry found anywhere past the
// start of content that is not a zip (the ZIP-SFX type signature), when
// its local header holds its sizes; the entry is scanned like a member.
func TestEmbeddedZip(t *testing.T) {
	clamscanPath(t)
	member := bin("embedded entry mark")
	entry := zipEntry(t, "theme/theme1.xml", member, 0)
	junk := []byte(notText + "table stream\x00\x9b\n\x00\x00\x00")
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	runCases(t, []diffCase{
		ndbCase("EmbeddedZip", 0, "*", hx("embedded entry mark"),
			hit("entry inside binary", cat(junk, entry, junk)),
			hit("second entry", cat(junk, zipEntry(t, "a.bin", bin("other"), 0), entry, junk)),
			hit("entry inside text", cat([]byte("some text\n"), entry, []byte("\nmore text\n"))),
			miss("data descriptor", cat(junk, zipEntry(t, "m.bin", member, 0x8), junk)),
			miss("cut short", cat(junk, entry[:len(entry)-4])),
		),
	})
}
