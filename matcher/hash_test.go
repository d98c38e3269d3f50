package matcher

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"

	"github.com/sigtool/sigtool/sigfile"
)

func md5hex(b []byte) string    { s := md5.Sum(b); return hex.EncodeToString(s[:]) }
func sha1hex(b []byte) string   { s := sha1.Sum(b); return hex.EncodeToString(s[:]) }
func sha256hex(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func TestHashes(t *testing.T) {
	data := []byte("this file is known to be bad, byte for byte")
	other := []byte("this file is known to be bad, byte for bytE")
	n := len(data)
	cases := []struct {
		name string
		kind sigfile.Kind
		line string
		want bool
	}{
		{"md5", sigfile.KindHDB, fmt.Sprintf("%s:%d:H", md5hex(data), n), true},
		{"md5 wrong size", sigfile.KindHDB, fmt.Sprintf("%s:%d:H", md5hex(data), n+1), false},
		{"md5 any size", sigfile.KindHDB, fmt.Sprintf("%s:*:H:73", md5hex(data)), true},
		{"md5 other data", sigfile.KindHDB, fmt.Sprintf("%s:%d:H", md5hex(other), n), false},
		{"sha1", sigfile.KindHSB, fmt.Sprintf("%s:%d:H", sha1hex(data), n), true},
		{"sha1 other", sigfile.KindHSB, fmt.Sprintf("%s:%d:H", sha1hex(other), n), false},
		{"sha256", sigfile.KindHSB, fmt.Sprintf("%s:%d:H", sha256hex(data), n), true},
		{"sha256 any", sigfile.KindHSB, fmt.Sprintf("%s:*:H:73", sha256hex(data)), true},
		{"sha256 other", sigfile.KindHSB, fmt.Sprintf("%s:%d:H", sha256hex(other), n), false},
		{"flevel too new", sigfile.KindHDB, fmt.Sprintf("%s:%d:H:999", md5hex(data), n), false},
	}
	for _, tc := range cases {
		// Surround the signature with generated ones so lookups search.
		es := []sigfile.Entry{entry(t, tc.kind, tc.line)}
		genHashSigs(2000, 7, func(_ string, e sigfile.Entry) { es = append(es, e) })
		m := buildWith(t, 5, es...)
		got := detect(t, m, data)
		if (len(got) == 1 && got[0] == "H") != tc.want || len(got) > 1 {
			t.Errorf("%s: got %v, want match=%v", tc.name, got, tc.want)
		}
	}
}

// TestDigestsOnlyNeeded checks that a database without SHA-256 entries
// does not compute SHA-256 (the per-file cost that matters).
func TestDigestsOnlyNeeded(t *testing.T) {
	m := buildWith(t, 0, entry(t, sigfile.KindHDB, md5hex([]byte("x"))+":1:H"))
	if m.needDigest != [3]bool{true, false, false} {
		t.Errorf("needDigest = %v, want MD5 only", m.needDigest)
	}
	m = buildWith(t, 0, entry(t, sigfile.KindNDB, "S:0:*:61626364"))
	if m.needDigest != [3]bool{} {
		t.Errorf("needDigest = %v for a body-only database", m.needDigest)
	}
}

func TestSectionHashes(t *testing.T) {
	pe := minimalPE()
	text, data := pe[0x200:0x400], pe[0x400:0x600]
	cases := []struct {
		name, line string
		kind       sigfile.Kind
		want       bool
	}{
		{"md5 .text", fmt.Sprintf("512:%s:M", md5hex(text)), sigfile.KindMDB, true},
		{"md5 .data", fmt.Sprintf("512:%s:M", md5hex(data)), sigfile.KindMDB, true},
		{"md5 wrong size", fmt.Sprintf("511:%s:M", md5hex(text)), sigfile.KindMDB, false},
		{"md5 any size", fmt.Sprintf("*:%s:M:73", md5hex(text)), sigfile.KindMDB, true},
		{"sha256 .data", fmt.Sprintf("512:%s:M", sha256hex(data)), sigfile.KindMSB, true},
		{"sha1 .text", fmt.Sprintf("512:%s:M", sha1hex(text)), sigfile.KindMSB, true},
		{"whole file hash is no section", fmt.Sprintf("%d:%s:M", len(pe), md5hex(pe)), sigfile.KindMDB, false},
	}
	for _, tc := range cases {
		m := buildWith(t, 64, entry(t, tc.kind, tc.line))
		got := detect(t, m, pe)
		if (len(got) == 1) != tc.want {
			t.Errorf("%s: got %v, want match=%v", tc.name, got, tc.want)
		}
		// The same section bytes outside a PE are not a section.
		if got := detect(t, m, text); len(got) != 0 {
			t.Errorf("%s: matched plain data: %v", tc.name, got)
		}
	}
}

func TestAllowAndIgnore(t *testing.T) {
	data := []byte("...EVILBYTES... and a known-good installer")
	body := "Evil.Body:0:*:4556494c4259544553"
	hashLine := fmt.Sprintf("%s:%d:Evil.Hash", md5hex(data), len(data))
	base := []sigfile.Entry{entry(t, sigfile.KindNDB, body), entry(t, sigfile.KindHDB, hashLine)}

	got := detect(t, buildWith(t, 4, base...), data)
	if !sameNames(got, []string{"Evil.Body", "Evil.Hash"}) {
		t.Fatalf("without lists: %v", got)
	}
	cases := []struct {
		name  string
		extra []sigfile.Entry
		want  []string
	}{
		{"fp md5", []sigfile.Entry{entry(t, sigfile.KindFP, fmt.Sprintf("%s:%d:Good", md5hex(data), len(data)))}, nil},
		{"fp md5 any size", []sigfile.Entry{entry(t, sigfile.KindFP, fmt.Sprintf("%s:*:Good:73", md5hex(data)))}, nil},
		{"fp wrong size", []sigfile.Entry{entry(t, sigfile.KindFP, fmt.Sprintf("%s:%d:Good", md5hex(data), len(data)+1))}, []string{"Evil.Body", "Evil.Hash"}},
		{"sfp sha256", []sigfile.Entry{entry(t, sigfile.KindSFP, fmt.Sprintf("%s:%d:Good", sha256hex(data), len(data)))}, nil},
		{"ign2 body", []sigfile.Entry{entry(t, sigfile.KindIGN2, "Evil.Body")}, []string{"Evil.Hash"}},
		{"ign2 hash", []sigfile.Entry{entry(t, sigfile.KindIGN2, "Evil.Hash")}, []string{"Evil.Body"}},
		{"ign2 other", []sigfile.Entry{entry(t, sigfile.KindIGN2, "Evil.Other")}, []string{"Evil.Body", "Evil.Hash"}},
	}
	for _, tc := range cases {
		// Lists work whether added before or after the signatures.
		for _, first := range []bool{true, false} {
			var es []sigfile.Entry
			if first {
				es = append(append(es, tc.extra...), base...)
			} else {
				es = append(append(es, base...), tc.extra...)
			}
			if got := detect(t, buildWith(t, 4, es...), data); !sameNames(got, tc.want) {
				t.Errorf("%s (list first %v): got %v, want %v", tc.name, first, got, tc.want)
			}
		}
	}
}

func TestIgnoreByLineMD5(t *testing.T) {
	data := []byte("xxEVILBYTESxx")
	line := "Evil.Body:0:*:4556494c4259544553"
	changed := "Evil.Body:0:*:4556494c42595445"
	for _, tc := range []struct {
		line string
		want []string
	}{{line, nil}, {changed, []string{"Evil.Body"}}} {
		b := NewBuilder()
		if err := b.Add(entry(t, sigfile.KindIGN2, "Evil.Body:"+md5hex([]byte(line)))); err != nil {
			t.Fatal(err)
		}
		if err := b.AddLine(entry(t, sigfile.KindNDB, tc.line), tc.line); err != nil {
			t.Fatal(err)
		}
		m, err := b.Build(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got := detect(t, m, data); !sameNames(got, tc.want) {
			t.Errorf("line %q: got %v, want %v", tc.line, got, tc.want)
		}
		if st := m.Stats(); st.Ignored != 1-len(tc.want) {
			t.Errorf("line %q: Stats.Ignored = %d", tc.line, st.Ignored)
		}
	}
}

func TestBadEntries(t *testing.T) {
	for _, tc := range []struct {
		name string
		e    sigfile.Entry
	}{
		{"empty", sigfile.Entry{}},
		{"short digest", sigfile.Entry{Hash: &sigfile.HashSig{Name: "H", Type: sigfile.MD5, Digest: make([]byte, 3), Size: 1}}},
		{"size too large", sigfile.Entry{Hash: &sigfile.HashSig{Name: "H", Type: sigfile.MD5, Digest: make([]byte, 16), Size: 1 << 33}}},
		{"no parts", sigfile.Entry{Body: &sigfile.BodySig{Name: "B"}}},
		{"bad gap", sigfile.Entry{Body: &sigfile.BodySig{Name: "B", Pattern: sigfile.Pattern{
			Parts: [][]sigfile.Elem{{{Byte: sigfile.ByteMatch{Mask: 0xff}}}, {{Byte: sigfile.ByteMatch{Mask: 0xff}}}},
			Gaps:  []sigfile.Gap{{Min: 5, Max: 2}}}}}},
		{"negated mixed alternatives", sigfile.Entry{Body: &sigfile.BodySig{Name: "B", Pattern: sigfile.Pattern{
			Parts: [][]sigfile.Elem{{{Kind: sigfile.ElemAlt, Negate: true, Alts: [][]sigfile.ByteMatch{{{}}, {{}, {}}}}}}}}}},
		{"ldb index out of range", sigfile.Entry{Logical: &sigfile.LogicalSig{Name: "L", Expr: &sigfile.Expr{Op: sigfile.ExprSub, Index: 3},
			Subs: []sigfile.SubSig{{Pattern: sigfile.Pattern{Parts: [][]sigfile.Elem{{{Byte: sigfile.ByteMatch{Mask: 0xff}}}}}}}}}},
	} {
		b := NewBuilder()
		err := b.Add(tc.e)
		if !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s: err = %v, want ErrBadSignature", tc.name, err)
		}
		// A rejected entry leaves nothing half-added.
		if len(b.pats) != 0 || len(b.c.parts) != 0 {
			t.Errorf("%s: left %d patterns, %d parts", tc.name, len(b.pats), len(b.c.parts))
		}
	}
	b := NewBuilder()
	if _, err := b.Build(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := b.Add(entry(t, sigfile.KindIGN2, "X")); !errors.Is(err, ErrBuilt) {
		t.Errorf("Add after Build: %v", err)
	}
}

// TestHashSetOrder fills a set with digests sharing long prefixes (the tie
// path of the sort) and checks every one is found with its own name.
func TestHashSetOrder(t *testing.T) {
	var acc hashAcc
	var ds [][]byte
	for i := range 3000 {
		d := make([]byte, 16)
		d[0], d[1] = byte(i%3), 7
		if i%2 == 0 {
			d[2], d[3], d[4], d[5], d[6] = 1, 2, 3, 4, 5 // same 7-byte prefix
		}
		d[15], d[14] = byte(i), byte(i>>8)
		ds = append(ds, d)
		acc.add(d, uint32(i+1), uint32(i))
	}
	hs := acc.build(16, nil)
	for i := 1; i < hs.len(); i++ {
		if bytes.Compare(hs.digest(i-1), hs.digest(i)) > 0 {
			t.Fatalf("digests out of order at %d", i)
		}
	}
	for i, d := range ds {
		var got []uint32
		hs.lookup(d, int64(i+1), func(n uint32) { got = append(got, n) })
		if len(got) != 1 || got[0] != uint32(i) {
			t.Fatalf("digest %d: got names %v", i, got)
		}
	}
}

// TestIgnoreAcrossHashBlocks: an ignore list that drops more than a block's
// worth of hashes leaves whole blocks empty; the set keeps the rest.
func TestIgnoreAcrossHashBlocks(t *testing.T) {
	const total, ignored = 2*accBlock + 100, accBlock + 50
	content := func(i int) []byte { return []byte(fmt.Sprintf("file number %d", i)) }
	es := []sigfile.Entry{entry(t, sigfile.KindIGN2, "Ignored.Many")}
	for i := range total {
		name := fmt.Sprintf("Kept.%d", i)
		if i < ignored {
			name = "Ignored.Many"
		}
		c := content(i)
		es = append(es, entry(t, sigfile.KindHDB, fmt.Sprintf("%s:%d:%s", md5hex(c), len(c), name)))
	}
	m := buildWith(t, 4, es...)
	if st := m.Stats(); st.HashSigs != total-ignored {
		t.Errorf("HashSigs = %d, want %d", st.HashSigs, total-ignored)
	}
	for _, i := range []int{0, ignored - 1, ignored, total - 1} {
		want := []string{fmt.Sprintf("Kept.%d", i)}
		if i < ignored {
			want = nil
		}
		if got := detect(t, m, content(i)); !sameNames(got, want) {
			t.Errorf("file %d: got %v, want %v", i, got, want)
		}
	}
}
