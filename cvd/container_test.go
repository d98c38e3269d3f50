package cvd

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

var testHeader = Header{Time: time.Date(2025, 1, 2, 3, 4, 0, 0, time.UTC), Version: 7, Sigs: 2, FLevel: 240, Builder: "tester"}

func testMembers() []Member {
	return []Member{
		{Name: "COPYING", Data: []byte("license text\n")},
		{Name: "test.info", Data: []byte("placeholder\n")},
		{Name: "test.hdb", Data: []byte("44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature\n")},
		{Name: "empty.ndb", Data: nil},
		{Name: "block.ldb", Data: bytes.Repeat([]byte("x"), 1024)}, // exact block multiple
	}
}

func build(t testing.TB, h Header, m []Member, gz bool) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, h, m, gz); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func sameMembers(t *testing.T, got, want []Member) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d members, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Name != want[i].Name || !bytes.Equal(got[i].Data, want[i].Data) {
			t.Errorf("member %d: %q (%d bytes), want %q (%d bytes)", i, got[i].Name, len(got[i].Data), want[i].Name, len(want[i].Data))
		}
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	for _, gz := range []bool{true, false} {
		t.Run(fmt.Sprint("gzip=", gz), func(t *testing.T) {
			raw := build(t, testHeader, testMembers(), gz)
			c, err := Read(raw)
			if err != nil {
				t.Fatal(err)
			}
			if c.Gzipped != gz || c.Header.Version != 7 || len(c.Header.MD5) != 32 || c.Header.DSig != "X" {
				t.Errorf("header %+v gzipped %v", c.Header, c.Gzipped)
			}
			sameMembers(t, c.Members, testMembers())
			// Output is deterministic, so CLDs we build can be compared.
			if again := build(t, testHeader, testMembers(), gz); !bytes.Equal(raw, again) {
				t.Error("Write is not deterministic")
			}
		})
	}
}

func TestWriteSigned(t *testing.T) {
	priv := testKey(t, 1024)
	var b bytes.Buffer
	if err := WriteSigned(&b, testHeader, testMembers(), true, priv); err != nil {
		t.Fatal(err)
	}
	c, err := Read(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyHeaderSig(c.Header, LegacyKey{N: priv.N, E: priv.E}); err != nil {
		t.Error(err)
	}
	if err := VerifyHeaderSig(c.Header, DefaultLegacyKey); !errors.Is(err, ErrBadSignature) {
		t.Errorf("ClamAV key accepted a test signature: %v", err)
	}
}

// TestRewriteCorpus re-packs test-3.cvd's members (plain, as a CLD) and
// reads them back unchanged.
func TestRewriteCorpus(t *testing.T) {
	c, err := Read(readCorpus(t, "test-3.cvd"))
	if err != nil {
		t.Fatal(err)
	}
	c2, err := Read(build(t, c.Header, c.Members, false))
	if err != nil {
		t.Fatal(err)
	}
	sameMembers(t, c2.Members, c.Members)
	if _, err := c2.VerifyInfo(DefaultInfoKey); err != nil {
		t.Error(err)
	}
}

func TestWriteRejects(t *testing.T) {
	for name, m := range map[string][]Member{
		"plain without COPYING": {{Name: "a.hdb"}},
		"slash":                 {{Name: "COPYING"}, {Name: "dir/a.hdb"}},
		"duplicate":             {{Name: "COPYING"}, {Name: "a"}, {Name: "a"}},
		"long name":             {{Name: "COPYING"}, {Name: strings.Repeat("n", 101)}},
	} {
		if err := Write(&bytes.Buffer{}, testHeader, m, false); !errors.Is(err, ErrBadName) {
			t.Errorf("%s: %v, want ErrBadName", name, err)
		}
	}
}

// tarBlocks builds a plain body by hand so tests can damage single fields.
func tarBody(t *testing.T, mutate func(b []byte)) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := writeTar(&b, testMembers()); err != nil {
		t.Fatal(err)
	}
	body := b.Bytes()
	mutate(body)
	return body
}

func withHeader(t *testing.T, md5 string, body []byte) []byte {
	t.Helper()
	h := testHeader
	h.MD5 = md5
	hb, err := h.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return append(hb[:], body...)
}

// fixSum recomputes the checksum of the tar header at off.
func fixSum(b []byte, off int) {
	copy(b[off+tarChksum:], fmt.Sprintf("%06o\x00 ", headerSum(b[off:off+blockSize])))
}

func TestReadErrors(t *testing.T) {
	infoOff := blockSize * 2 // COPYING header + one data block
	good := build(t, testHeader, testMembers(), true)
	plain := build(t, testHeader, testMembers(), false)
	tests := []struct {
		name string
		data []byte
		want error
		text string
	}{
		{"empty", nil, ErrTruncated, "header"},
		{"header only", good[:HeaderSize], ErrTruncated, "body"},
		{"gzip cut", good[:len(good)-30], ErrTruncated, ""},
		{"gzip trailer cut", good[:len(good)-4], ErrTruncated, ""},
		{"plain cut in member", plain[:HeaderSize+infoOff+blockSize+5], ErrTruncated, `member "test.info": want 12 bytes, got 5`},
		{"plain cut in header", plain[:HeaderSize+infoOff+100], ErrTruncated, `tar header of member "COPYING"`},
		{"md5", withHeader(t, strings.Repeat("0", 32), tarBody(t, func([]byte) {})), ErrBadMD5, ""},
		{"not gzip", withHeader(t, "X", []byte("NOTCOPYING and not gzip")), ErrBadBody, ""},
		{"directory", withHeader(t, "X", tarBody(t, func(b []byte) { b[infoOff+tarTypeflag] = '5'; fixSum(b, infoOff) })), ErrBadTar, "regular"},
		{"symlink", withHeader(t, "X", tarBody(t, func(b []byte) { b[infoOff+tarTypeflag] = '2'; fixSum(b, infoOff) })), ErrBadTar, "regular"},
		{"slash", withHeader(t, "X", tarBody(t, func(b []byte) { b[infoOff+4] = '/'; fixSum(b, infoOff) })), ErrBadName, ""},
		{"checksum", withHeader(t, "X", tarBody(t, func(b []byte) { b[infoOff+1] = 'E' })), ErrBadTar, "checksum"},
		{"size", withHeader(t, "X", tarBody(t, func(b []byte) { b[infoOff+tarSize] = '9'; fixSum(b, infoOff) })), ErrBadTar, "size"},
		{"duplicate", withHeader(t, "X", tarBody(t, func(b []byte) { copy(b[infoOff:], "COPYING\x00\x00\x00\x00"); fixSum(b, infoOff) })), ErrBadTar, "twice"},
		{"nul name", withHeader(t, "X", tarBody(t, func(b []byte) { b[infoOff] = 0 })), ErrBadTar, "empty name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(tt.data)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("got %v, want %v containing %q", err, tt.want, tt.text)
			}
		})
	}
}

// TestReadStopsAtZeroBlock: members after an end block are not read, as in
// ClamAV, and what came before is kept whole.
func TestReadStopsAtZeroBlock(t *testing.T) {
	var b bytes.Buffer
	if err := writeTar(&b, testMembers()[:2]); err != nil {
		t.Fatal(err)
	}
	if err := writeTar(&b, testMembers()[2:]); err != nil {
		t.Fatal(err)
	}
	c, err := Read(withHeader(t, "X", b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	sameMembers(t, c.Members, testMembers()[:2])
}

func TestReadSizeLimit(t *testing.T) {
	// A gzip bomb: 64 MiB of zeros in one member compress to ~64 KiB.
	var body bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&body, gzip.BestCompression)
	big := bytes.Repeat([]byte{0}, 64<<20)
	if err := writeTar(zw, []Member{{Name: "COPYING", Data: []byte("x")}, {Name: "bomb.ndb", Data: big}}); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	data := withHeader(t, "X", body.Bytes())
	_, err := OpenContext(context.Background(), bytes.NewReader(data), Options{MaxSize: 1 << 20})
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "bomb.ndb") {
		t.Errorf("got %v, want ErrTooLarge naming bomb.ndb", err)
	}
	// The raw body is bounded too.
	plain := build(t, testHeader, testMembers(), false)
	if _, err := OpenContext(context.Background(), bytes.NewReader(plain), Options{MaxSize: 1000}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("plain body over limit: %v", err)
	}
}

func TestReadCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := OpenContext(ctx, bytes.NewReader(build(t, testHeader, testMembers(), true)), Options{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func TestContainerAccessors(t *testing.T) {
	c, err := Read(build(t, testHeader, testMembers(), true))
	if err != nil {
		t.Fatal(err)
	}
	if d, ok := c.Member("test.hdb"); !ok || !bytes.Equal(d, testMembers()[2].Data) {
		t.Errorf("Member(test.hdb) = %q, %v", d, ok)
	}
	if _, ok := c.Member("nope"); ok {
		t.Error("Member(nope) found")
	}
	want := map[string][]byte{}
	for _, m := range testMembers() {
		want[m.Name] = m.Data
	}
	got := c.Files()
	if len(got) != len(want) {
		t.Fatalf("Files has %d entries", len(got))
	}
	for k, v := range want {
		if d, ok := got[k]; !ok || !bytes.Equal(d, v) {
			t.Errorf("Files[%s] = %q", k, got[k])
		}
	}
}
