package cvd

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func addCorpusSeeds(f *testing.F, pattern string) {
	files, _ := filepath.Glob(filepath.Join(corpusDir, pattern))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
}

func FuzzParseHeader(f *testing.F) {
	addCorpusSeeds(f, "test-[12].cvd")
	f.Add(pad("ClamAV-VDB:22 Jun 2021 14-58 -0400:7:3:60:X:X:someone"))
	f.Add(pad("ClamAV-VDB:a:1:2:3:X:X:b:4"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHeader(b)
		if err != nil || h.Seconds == 0 {
			return
		}
		out, err := h.Marshal()
		if err != nil {
			return // e.g. a 512-byte header whose fields cannot be written shorter
		}
		h2, err := ParseHeader(out[:])
		if err != nil {
			t.Fatalf("re-parse of %q: %v", out, err)
		}
		h.Raw, h2.Raw = "", ""
		if h != h2 {
			t.Fatalf("round trip changed header:\n%+v\n%+v", h, h2)
		}
	})
}

// FuzzRead: no panic, and whatever parses survives Write/Read unchanged.
func FuzzRead(f *testing.F) {
	addCorpusSeeds(f, "test-1.cvd")
	var b bytes.Buffer
	_ = Write(&b, testHeader, testMembers(), false)
	f.Add(b.Bytes())
	b.Reset()
	_ = Write(&b, testHeader, testMembers()[:2], true)
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := OpenContext(t.Context(), bytes.NewReader(data), Options{MaxSize: 1 << 20})
		if err != nil {
			return
		}
		h := c.Header
		h.TimeText, h.Time, h.Seconds = "", time.Unix(1, 0), 0 // keep Write happy
		var out bytes.Buffer
		if err := Write(&out, h, c.Members, true); err != nil {
			if len(c.Members) == 0 {
				return
			}
			t.Fatalf("Write of parsed members: %v", err)
		}
		c2, err := Read(out.Bytes())
		if err != nil {
			t.Fatalf("re-read: %v", err)
		}
		if len(c2.Members) != len(c.Members) {
			t.Fatalf("%d members, want %d", len(c2.Members), len(c.Members))
		}
		for i := range c.Members {
			if c.Members[i].Name != c2.Members[i].Name || !bytes.Equal(c.Members[i].Data, c2.Members[i].Data) {
				t.Fatalf("member %d changed", i)
			}
		}
	})
}

func FuzzParseInfo(f *testing.F) {
	for n := 1; n <= 6; n += 2 {
		if c, err := Read(readCorpusF(f, n)); err == nil {
			_, data, _ := c.InfoMember()
			f.Add(data)
		}
	}
	f.Add([]byte("ClamAV-VDB:1 Jan 2021 00-00 +0000:1:0:81:X:X:x:1\nDSIG:abc"))
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := ParseInfo(data)
		if err != nil {
			return
		}
		if !bytes.HasPrefix(data, info.Signed) {
			t.Fatal("Signed is not a prefix of the input")
		}
		_ = info.Verify(DefaultInfoKey) // must not panic
		_ = info.CheckMembers(map[string][]byte{"a": nil})
	})
}

func readCorpusF(f *testing.F, n int) []byte {
	b, _ := os.ReadFile(filepath.Join(corpusDir, fmt.Sprintf("test-%d.cvd", n)))
	return b
}

// FuzzVerifySign drives the .sign line parser and the CMS reader.
func FuzzVerifySign(f *testing.F) {
	addCorpusSeeds(f, "test-2.cdiff.sign")
	f.Add([]byte(SignFileMagic + "\n230::pkcs7-pem:MIIB\n"))
	roots := testRoots(f)
	content := []byte("content")
	f.Fuzz(func(t *testing.T, sign []byte) {
		_, _ = ParseSignFile(sign)
		_, _ = VerifySign(sign, content, roots, engineFLevel)
		if m, err := parseCMS(sign); err == nil {
			_, _ = m.verify(content, roots)
		}
	})
}

// FuzzVerifyPSS: arbitrary signature strings never panic and never verify.
func FuzzVerifyPSS(f *testing.F) {
	f.Add("X")
	f.Add("abc/+09ZZ")
	f.Fuzz(func(t *testing.T, sig string) {
		msg := sha256.Sum256([]byte(sig))
		if VerifyPSS(DefaultCdiffKey, msg, sig) == nil {
			t.Fatalf("random signature %q verified", sig)
		}
		_ = VerifyLegacy(DefaultLegacyKey, "a4ab60ae1c1c4e8f787459102dcfd90b", sig)
	})
}
