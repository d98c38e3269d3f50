package scan

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"testing"
)

// embeddedEntry is a deflated zip local file entry with its sizes in the
// header and no central directory, as ClamAV finds them inside other data.
func embeddedEntry(t *testing.T, name string, data []byte) []byte {
	t.Helper()
	var c bytes.Buffer
	fw, _ := flate.NewWriter(&c, flate.BestCompression)
	fw.Write(data)
	fw.Close()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	f, err := w.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(data),
		CompressedSize64: uint64(c.Len()), UncompressedSize64: uint64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	f.Write(c.Bytes())
	w.Flush()
	return b.Bytes()[:30+len(name)+c.Len()]
}

func TestEmbeddedZipEntries(t *testing.T) {
	junk := []byte("\x00\x00\x00\x01 table stream \x00\x9b\n")
	entry := embeddedEntry(t, "theme1.xml", []byte("<theme>"+marker+"</theme>"))
	corrupt := bytes.Clone(entry)
	corrupt[len(corrupt)-2] ^= 0xff
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	for _, tt := range []struct {
		name string
		data []byte
		want string
	}{
		{"doc.bin", cat(junk, entry, junk), "doc.bin\ndoc.bin!theme1.xml Test.Sig\n"},
		// The zip's own raw bytes are not searched: its stored member is,
		// so the entry is found once.
		{"a.zip", zipOf(t, f("stream.bin", string(cat(junk, entry)))), "a.zip [zip]\na.zip!stream.bin\na.zip!stream.bin!theme1.xml Test.Sig\n"},
		// A damaged entry is scanned as far as it reads, without casting
		// doubt on the file: headers turn up by chance in other data.
		{"bad.bin", cat(junk, corrupt), "bad.bin\nbad.bin!theme1.xml Test.Sig\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := scanBytes(t, New(&fakeDetector{}, DefaultOptions()), tt.name, tt.data)
			if got := outline(res); got != tt.want {
				t.Errorf("tree:\n%s\nwant:\n%s", got, tt.want)
			}
			if res.Problem() != nil {
				t.Errorf("Problem = %v", res.Problem())
			}
		})
	}
}
