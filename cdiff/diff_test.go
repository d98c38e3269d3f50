package cdiff

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/sigtool/sigtool/cvd"
)

var (
	keyOnce sync.Once
	key     *rsa.PrivateKey
)

func testKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	keyOnce.Do(func() {
		var err error
		if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return key
}

func TestBuildParseVerify(t *testing.T) {
	priv := testKey(t)
	script := []byte("OPEN a.ndb\nDEL 1 one\nCLOSE\n")
	raw, err := Build(9, script, priv)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if d.Version != 9 || d.ScriptLen != len(script) || !bytes.Equal(d.Script, script) {
		t.Errorf("parsed %+v", d)
	}
	if !bytes.HasPrefix(raw, d.Signed) || len(raw) != len(d.Signed)+1+len(d.Sig) {
		t.Error("Signed/Sig do not split the file at the last ':'")
	}
	if err := d.Verify(&priv.PublicKey); err != nil {
		t.Error(err)
	}
	if err := d.Verify(cvd.DefaultCdiffKey); !errors.Is(err, cvd.ErrBadSignature) {
		t.Errorf("ClamAV key: %v", err)
	}
	got, err := Apply(base(), d.Script)
	if err != nil || string(got["a.ndb"]) != "two:2\nthree:3\nfour:4\nfive:5\n" {
		t.Errorf("apply built cdiff: %q, %v", got["a.ndb"], err)
	}
	if _, err := Build(1, script, nil); !errors.Is(err, cvd.ErrBadKey) {
		t.Errorf("nil key: %v", err)
	}
}

func gz(s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.String()
}

func TestParseErrors(t *testing.T) {
	sig := ":" + strings.Repeat("a", 342)
	tests := []struct {
		name, data string
		want       error
		text       string
	}{
		{"empty", "", ErrEmpty, ""},
		{"magic", "ClamAV-Dif:1:2:" + gz("x") + sig, ErrBadHeader, "does not start"},
		{"version", "ClamAV-Diff:x:2:" + gz("x") + sig, ErrBadHeader, "version"},
		{"signed version", "ClamAV-Diff:+1:2:" + gz("x") + sig, ErrBadHeader, "version"},
		{"length", "ClamAV-Diff:1:-2:" + gz("x") + sig, ErrBadHeader, "script length"},
		{"no colons", "ClamAV-Diff:1", ErrBadHeader, "not terminated"},
		{"not gzip", "ClamAV-Diff:1:2:plain text" + sig, ErrCorrupt, "gzip header"},
		{"no signature", "ClamAV-Diff:1:1:" + gz("x"), ErrCorrupt, ""},
		{"signature too far", "ClamAV-Diff:1:1:" + gz("x") + ":" + strings.Repeat("a", 400), ErrCorrupt, "no ':' before a signature"},
		{"gzip cut", "ClamAV-Diff:1:1:" + gz("OPEN a\nCLOSE\n")[:15] + sig, ErrCorrupt, "gzip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.data))
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("got %v, want %v containing %q", err, tt.want, tt.text)
			}
		})
	}
	// Bytes after the gzip member are ignored, as in ClamAV.
	d, err := Parse([]byte("ClamAV-Diff:1:6:" + gz("CLOSE\n") + "junk" + sig))
	if err != nil || string(d.Script) != "CLOSE\n" {
		t.Errorf("trailing junk: %v", err)
	}
}

// TestWrongResult is the updater's case: a validly signed cdiff whose
// result differs from the next version; only the .info check catches it.
func TestWrongResult(t *testing.T) {
	files := cvdFiles(t, 4)
	d := corpusDiff(t, 5)
	script := bytes.Replace(d.Script, []byte("ADD "), []byte("ADD X"), 1)
	raw, err := Build(5, script, testKey(t))
	if err != nil {
		t.Fatal(err)
	}
	d2, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := d2.Verify(&testKey(t).PublicKey); err != nil {
		t.Fatal(err)
	}
	out, err := Apply(files, d2.Script)
	if err != nil {
		t.Fatal(err)
	}
	info, err := cvd.ParseInfo(out["test.info"])
	if err != nil {
		t.Fatal(err)
	}
	if err := info.CheckMembers(out); !errors.Is(err, cvd.ErrMemberMismatch) {
		t.Errorf("CheckMembers: %v, want ErrMemberMismatch", err)
	}
}

func TestApplyCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ApplyContext(ctx, base(), []byte("UNLINK a.ndb\n")); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v", err)
	}
}
