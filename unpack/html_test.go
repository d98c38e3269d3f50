package unpack

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/sigtool/sigtool/filetype"
)

func TestHTML(t *testing.T) {
	payload := "MZ\x90\x00 a program"
	page := `<HTML><Body>
	Hello   <B CLASS='x' Id=Y checked>World</B><!-- a comment -->
	<a href="data:application/octet-stream;base64,` + base64.StdEncoding.EncodeToString([]byte(payload)) + `">x</a>
	<img src="data:text/plain,percent%20encoded"/><br />a &amp; b</body></html>`
	if f := FormatOf(filetype.Identify([]byte(page))); f != HTML {
		t.Fatalf("FormatOf = %s", f)
	}
	members, info, err := walkAll(t, HTML, []byte(page), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	want := []got{
		{name: "nocomment.html", typ: filetype.HTML, data: `<html><body>hello <b class="x" id=y checked>world</b><a href="data:application/octet-stream;base64,` +
			strings.ToLower(base64.StdEncoding.EncodeToString([]byte(payload))) + `">x</a><img src="data:text/plain,percent%20encoded"/><br />a & b</body></html>`},
		{name: "notags.html", typ: filetype.HTML, data: " hello world x a & b "},
		{name: "data-1", data: payload},
		{name: "data-2", data: "percent encoded"},
	}
	if len(members) != len(want) || info.MemberCount != 2 {
		t.Fatalf("%d members (%d counted): %+v", len(members), info.MemberCount, members)
	}
	for i, m := range members {
		if m.name != want[i].name || m.data != want[i].data || m.typ != want[i].typ || m.err != nil {
			t.Errorf("member %d:\n got %q %q %v %v\nwant %q %q %v", i, m.name, m.data, m.typ, m.err, want[i].name, want[i].data, want[i].typ)
		}
	}
}

// TestHTMLDataURIDamaged: base64 that breaks off still gives what decodes
// before the damage.
func TestHTMLDataURIDamaged(t *testing.T) {
	enc := base64.StdEncoding.EncodeToString([]byte("0123456789ab"))
	members, _, _ := walkAll(t, HTML, []byte(`<html><a href="data:;base64,`+enc[:8]+`!!!`+`">`), DefaultLimits())
	if len(members) != 3 || members[2].data != "012345" {
		t.Errorf("%+v", members)
	}
}

// TestHTMLViewLimit: a page whose views outgrow MaxFileSize gives views cut
// at the limit, reported.
func TestHTMLViewLimit(t *testing.T) {
	lim := DefaultLimits()
	lim.MaxFileSize = 1 << 10
	members, _, _ := walkAll(t, HTML, []byte("<html>"+strings.Repeat("<p>text</p>", 1000)), lim)
	if len(members) < 1 || limitOf(members[0].err) != LimitFileSize {
		t.Errorf("%+v", members)
	}
}

func FuzzWalkHTML(f *testing.F) {
	f.Add([]byte(`<html><a href='data:;base64,TVo='>x</a><br /><p a=b c>t &amp; u<!-- c --></html>`))
	f.Add([]byte(`<script>var a = "<b>";</script><a href = "x" / >`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, HTML, data) })
}

// TestHTMLBytesKept: the views lower-case ASCII letters alone, byte by
// byte, as ClamAV's normaliser (C's tolower): other bytes of an attribute
// value, UTF-8 or not, are kept as they are, not replaced or case-mapped.
func TestHTMLBytesKept(t *testing.T) {
	page := "<A TITLE='\xc9T\xc9 \xc3\x89' HREF=Caf\xc3\x89>Caf\xc3\x89 \xc9T\xc9</A>"
	members, _, err := walkAll(t, HTML, []byte(page), DefaultLimits())
	if err != nil || len(members) != 2 {
		t.Fatalf("%v %+v", err, members)
	}
	if want := "<a title=\"\xc9t\xc9 \xc3\x89\" href=caf\xc3\x89>caf\xc3\x89 \xc9t\xc9</a>"; members[0].data != want {
		t.Errorf("nocomment.html %q, want %q", members[0].data, want)
	}
}

// textByRuns is htmlText.text as it was before its one table-driven pass:
// white space runs folded, the runs between them copied and lower-cased.
// FuzzHTMLText holds text and textBoth to the same output.
func textByRuns(h *htmlText, s []byte) {
	for i := 0; i < len(s); {
		if textSpace[s[i]] {
			if !h.afterTag && !h.lastSpace {
				h.buf = append(h.buf, ' ')
				h.lastSpace = true
			}
			i++
			continue
		}
		j := i + 1
		for j < len(s) && !textSpace[s[j]] {
			j++
		}
		for _, c := range s[i:j] {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			h.buf = append(h.buf, c)
		}
		h.afterTag, h.lastSpace = false, false
		i = j
	}
}

func FuzzHTMLText(f *testing.F) {
	for _, s := range []string{"", " ", "Hello  World\r\n\tAGAIN\f\v", "\xc3\x89T\xc9 ZZ@[`{", "  lead", "trail  "} {
		f.Add([]byte("<p>"), []byte(s), false, false)
		f.Add([]byte(""), []byte(s), true, true)
	}
	f.Fuzz(func(t *testing.T, prefix, s []byte, afterTag, lastSpace bool) {
		got := htmlText{buf: append([]byte(nil), prefix...), afterTag: afterTag, lastSpace: lastSpace}
		want := got
		want.buf = append([]byte(nil), prefix...)
		got.text(s)
		textByRuns(&want, s)
		if !bytes.Equal(got.buf, want.buf) || got.afterTag != want.afterTag || got.lastSpace != want.lastSpace {
			t.Fatalf("text(%q) after %q = %q %v %v, want %q %v %v", s, prefix, got.buf, got.afterTag, got.lastSpace, want.buf, want.afterTag, want.lastSpace)
		}
		nc := htmlText{buf: append([]byte(nil), prefix...), afterTag: afterTag, lastSpace: lastSpace}
		nt := htmlText{buf: []byte("x"), lastSpace: !lastSpace}
		wantNC, wantNT := nc, nt
		wantNC.buf, wantNT.buf = append([]byte(nil), nc.buf...), append([]byte(nil), nt.buf...)
		textBoth(&nc, &nt, s)
		textByRuns(&wantNC, s)
		textByRuns(&wantNT, s)
		for _, v := range []struct{ got, want htmlText }{{nc, wantNC}, {nt, wantNT}} {
			if !bytes.Equal(v.got.buf, v.want.buf) || v.got.afterTag != v.want.afterTag || v.got.lastSpace != v.want.lastSpace {
				t.Fatalf("textBoth(%q) = %q %v %v, want %q %v %v", s, v.got.buf, v.got.afterTag, v.got.lastSpace, v.want.buf, v.want.afterTag, v.want.lastSpace)
			}
		}
		wantLower := append([]byte(nil), prefix...)
		for _, c := range s {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			wantLower = append(wantLower, c)
		}
		if l := appendLower(append([]byte(nil), prefix...), s); !bytes.Equal(l, wantLower) {
			t.Fatalf("appendLower(%q, %q) = %q, want %q", prefix, s, l, wantLower)
		}
	})
}
