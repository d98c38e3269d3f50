package cvd

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

const corpusDir = "../../shared/corpus/feeds/clamav"

// engineFLevel is the FLEVEL of the ClamAV the corpus was made with.
const engineFLevel = 240

func readCorpus(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, name))
	if err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	return b
}

func testRoots(t testing.TB) *x509.CertPool {
	t.Helper()
	pem, err := os.ReadFile("testdata/clamav-test.crt")
	if err != nil {
		t.Fatal(err)
	}
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(pem) {
		t.Fatal("no certificate in testdata/clamav-test.crt")
	}
	return p
}

// TestCorpusCVDs reads and verifies every CVD of the real chain by each
// method ClamAV has: body MD5, header RSA, .info PSS and members, .sign.
func TestCorpusCVDs(t *testing.T) {
	roots := testRoots(t)
	for n := 1; n <= 6; n++ {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			raw := readCorpus(t, fmt.Sprintf("test-%d.cvd", n))
			c, err := Read(raw)
			if err != nil {
				t.Fatal(err)
			}
			if c.Header.Version != n || !c.Gzipped {
				t.Errorf("version %d gzipped %v, want %d true", c.Header.Version, c.Gzipped, n)
			}
			if c.Members[0].Name != "COPYING" || c.Members[1].Name != "test.info" {
				t.Errorf("members start %s, %s", c.Members[0].Name, c.Members[1].Name)
			}
			if err := VerifyHeaderSig(c.Header, DefaultLegacyKey); err != nil {
				t.Errorf("header signature: %v", err)
			}
			if _, err := c.VerifyInfo(DefaultInfoKey); err != nil {
				t.Errorf("info: %v", err)
			}
			method, err := VerifySign(readCorpus(t, fmt.Sprintf("test-%d.cvd.sign", n)), raw, roots, engineFLevel)
			if err != nil || method != "pkcs7:ClamAV TEST CVD Signing Cert" {
				t.Errorf("VerifySign = %q, %v", method, err)
			}
		})
	}
}

// TestCorpusSignFiles verifies the .sign of every CVD and cdiff, then
// shows a one-byte change of the signed file makes it invalid (fatal, not a
// fallback).
func TestCorpusSignFiles(t *testing.T) {
	roots := testRoots(t)
	files, _ := filepath.Glob(filepath.Join(corpusDir, "test-*.sign"))
	if len(files) != 11 {
		t.Skipf("want 11 .sign files in the corpus, found %d", len(files))
	}
	for _, sf := range files {
		name := filepath.Base(sf)
		t.Run(name, func(t *testing.T) {
			sign := readCorpus(t, name)
			content := readCorpus(t, name[:len(name)-len(".sign")])
			if _, err := VerifySign(sign, content, roots, engineFLevel); err != nil {
				t.Fatal(err)
			}
			bad := bytes.Clone(content)
			bad[len(bad)/2] ^= 1
			if _, err := VerifySign(sign, bad, roots, engineFLevel); !errors.Is(err, ErrSignInvalid) {
				t.Errorf("flipped content: %v, want ErrSignInvalid", err)
			}
			if _, err := VerifySign(sign, content, x509.NewCertPool(), engineFLevel); !errors.Is(err, ErrSignInvalid) {
				t.Errorf("empty root pool: %v, want ErrSignInvalid", err)
			}
			if _, err := VerifySign(sign, content, roots, 229); !errors.Is(err, ErrSignUnverifiable) {
				t.Errorf("FLEVEL below range: %v, want ErrSignUnverifiable", err)
			}
		})
	}
}

// TestCorpusFlips changes one byte in each protected place of test-5.cvd
// (the file whose .info DSIG has EM[0] = 0x46, which rsa.VerifyPSS rejects).
func TestCorpusFlips(t *testing.T) {
	raw := readCorpus(t, "test-5.cvd")
	c, err := Read(raw)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("body", func(t *testing.T) {
		bad := bytes.Clone(raw)
		bad[len(bad)-3] ^= 0x40
		if _, err := Read(bad); !errors.Is(err, ErrBadMD5) && !errors.Is(err, ErrBadBody) {
			t.Errorf("got %v, want ErrBadMD5 or ErrBadBody", err)
		}
	})
	t.Run("header dsig", func(t *testing.T) {
		h := c.Header
		b := []byte(h.DSig)
		b[10] = flipDigit(b[10])
		h.DSig = string(b)
		if err := VerifyHeaderSig(h, DefaultLegacyKey); !errors.Is(err, ErrBadSignature) {
			t.Errorf("got %v, want ErrBadSignature", err)
		}
	})
	t.Run("header md5", func(t *testing.T) {
		h := c.Header
		b := []byte(h.MD5)
		b[0] = flipHex(b[0])
		h.MD5 = string(b)
		if err := VerifyHeaderSig(h, DefaultLegacyKey); !errors.Is(err, ErrBadSignature) {
			t.Errorf("got %v, want ErrBadSignature", err)
		}
	})
	info, err := c.VerifyInfo(DefaultInfoKey)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("info dsig", func(t *testing.T) {
		bad := *info
		b := []byte(bad.DSig)
		b[20] = flipDigit(b[20])
		bad.DSig = string(b)
		if err := bad.Verify(DefaultInfoKey); !errors.Is(err, ErrBadSignature) {
			t.Errorf("got %v, want ErrBadSignature", err)
		}
	})
	t.Run("info signed text", func(t *testing.T) {
		bad := *info
		bad.Signed = bytes.Clone(info.Signed)
		bad.Signed[len(bad.Signed)-2] = flipHex(bad.Signed[len(bad.Signed)-2])
		if err := bad.Verify(DefaultInfoKey); !errors.Is(err, ErrBadSignature) {
			t.Errorf("got %v, want ErrBadSignature", err)
		}
	})
	t.Run("member", func(t *testing.T) {
		files := c.Files()
		ndb := bytes.Clone(files["test.ndb"])
		ndb[0] ^= 1
		files["test.ndb"] = ndb
		err := info.CheckMembers(files)
		if !errors.Is(err, ErrMemberMismatch) || !bytes.Contains([]byte(err.Error()), []byte("test.ndb")) {
			t.Errorf("got %v, want ErrMemberMismatch naming test.ndb", err)
		}
	})
}

func flipDigit(c byte) byte {
	if c == 'a' {
		return 'b'
	}
	return 'a'
}

func flipHex(c byte) byte {
	if c == '0' {
		return '1'
	}
	return '0'
}

type goldenCVD struct {
	File     string
	Header   Header
	Members  []string
	Sizes    []int
	InfoKeys []string
}

// TestCorpusGolden pins what the parsers report for each CVD.
func TestCorpusGolden(t *testing.T) {
	var got []goldenCVD
	for n := 1; n <= 6; n++ {
		name := fmt.Sprintf("test-%d.cvd", n)
		c, err := Read(readCorpus(t, name))
		if err != nil {
			t.Fatal(err)
		}
		g := goldenCVD{File: name, Header: c.Header}
		g.Header.Raw = ""
		for _, m := range c.Members {
			g.Members = append(g.Members, m.Name)
			g.Sizes = append(g.Sizes, len(m.Data))
		}
		_, data, _ := c.InfoMember()
		info, err := ParseInfo(data)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range info.Entries {
			g.InfoKeys = append(g.InfoKeys, e.Name)
		}
		got = append(got, g)
	}
	out, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "testdata/corpus.golden", out)
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from output:\n%s", path, got)
	}
}
