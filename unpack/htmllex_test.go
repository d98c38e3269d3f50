package unpack

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// tokenizerViews is normalizeHTML as it was over golang.org/x/net/html's
// tokenizer (before htmllex.go): the oracle htmlLexer's views must equal
// byte for byte, its buffer bound set to maxTok.
func tokenizerViews(page []byte, lim Limits, maxTok int) htmlViews {
	var v htmlViews
	max := lim.MaxFileSize
	if max <= 0 {
		max = htmlMaxToken
	}
	var nc, nt htmlText
	var attrs []htmlAttr
	z := html.NewTokenizer(bytes.NewReader(page))
	z.SetMaxBuf(maxTok)
	for {
		tt := z.Next()
		if int64(len(nc.buf)) > max || int64(len(nt.buf)) > max {
			break
		}
		switch tt {
		case html.ErrorToken:
			if err := z.Err(); err != io.EOF {
				v.err = fmt.Errorf("%w: html: %v", ErrCorrupt, err)
			}
			v.nocomment, v.notags = nc.buf, nt.buf
			return v
		case html.TextToken:
			textBoth(&nc, &nt, z.Text())
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			raw := z.Raw()
			var slash string
			attrs, slash = parseHTMLAttrs(raw, attrs[:0])
			nc.tag(tt == html.EndTagToken, tagName(raw), attrs, slash)
			nt.space()
			for _, a := range attrs {
				if d, ok := dataURI(a.val); ok {
					v.data = append(v.data, d)
				}
			}
		}
	}
	v.nocomment, v.notags = nc.buf, nt.buf
	return v
}

// sameViews says how the lexer's views of page differ from the
// tokenizer's ("" if they do not).
func sameViews(page []byte, lim Limits, maxTok int) string {
	got, want := normalizeHTMLPage(page, lim, maxTok), tokenizerViews(page, lim, maxTok)
	switch {
	case !bytes.Equal(got.nocomment, want.nocomment):
		return fmt.Sprintf("nocomment.html\n got %q\nwant %q", got.nocomment, want.nocomment)
	case !bytes.Equal(got.notags, want.notags):
		return fmt.Sprintf("notags.html\n got %q\nwant %q", got.notags, want.notags)
	case (got.err == nil) != (want.err == nil):
		return fmt.Sprintf("error: got %v, want %v", got.err, want.err)
	case len(got.data) != len(want.data):
		return fmt.Sprintf("%d data: URIs, want %d", len(got.data), len(want.data))
	}
	for i := range got.data {
		if !bytes.Equal(got.data[i], want.data[i]) {
			return fmt.Sprintf("data-%d: got %q, want %q", i+1, got.data[i], want.data[i])
		}
	}
	return ""
}

func TestHTMLLexerAsTokenizer(t *testing.T) {
	for _, page := range []string{
		"", "a", "<", "<a", "</", "</>", "<!", "<!-", "<!--", "<!-->", "<!--->x", "<?x>y", "<!x>y", "<!>y",
		"a < b <3 c", "<p title='a>b' x=\"c>\" y=z>t</p>", "<a b= c =d e/f/>g", "<a =b>", "<a/ b>",
		"x<!-- c -- d --!> y <!-- e --!x> z -->w", "<!DOCTYPE html><html>", "<!doctype", "</3 x>y", "</a b='>'>z",
		"<script>if (a<b) x = '</scrip'; </script >after", "<script><!-- <script> </script> --> </script>x",
		"<script><!--<script>a</script>-->b</script>c", "<SCRIPT>a</Script>b", "<script/>a</script>b",
		"<title>a &amp; <b>b</b></title>c &lt; d", "<textarea>&gt;<x></textarea>", "<style>p{}</style\t>z",
		"<plaintext>a</plaintext>b", "<xmp><p></xmp>", "a\x00b<script>\x00</script>&#0;", "<a\x00b c=\x00>",
		"<p a=\"unterminated>b", "<p a=b", "t &amp x&nbsp;y &notit;", "<iframe>x</iframex></iframe>y",
	} {
		for _, maxTok := range []int{0, 3, 4, 5, 8, 13, 64} {
			if d := sameViews([]byte(page), DefaultLimits(), maxTok); d != "" {
				t.Errorf("%q (bound %d): %s", page, maxTok, d)
			}
		}
	}
}

// TestHTMLLexerExhaustive compares every short page over the bytes that
// steer the tokenizer, plain and inside a script, under a small bound
// and none.
func TestHTMLLexerExhaustive(t *testing.T) {
	n := 5
	if testing.Short() {
		n = 4
	}
	for _, c := range []struct{ prefix, alphabet string }{
		{"", "<>/!-?=\"a x"},
		{"<script>", "<>/!-sS x"},
		{"<script><!--", "<>/!-s x"},
	} {
		page := make([]byte, 0, len(c.prefix)+n)
		var walk func(depth int)
		walk = func(depth int) {
			for _, maxTok := range []int{0, 6} {
				if d := sameViews(page, DefaultLimits(), maxTok); d != "" {
					t.Fatalf("%q (bound %d): %s", page, maxTok, d)
				}
			}
			if depth == n {
				return
			}
			for i := range len(c.alphabet) {
				page = append(page, c.alphabet[i])
				walk(depth + 1)
				page = page[:len(page)-1]
			}
		}
		page = append(page, c.prefix...)
		walk(0)
	}
}

// TestHTMLLexerRealPages: Debian's documentation pages give the same
// views as through the tokenizer.
func TestHTMLLexerRealPages(t *testing.T) {
	n := 0
	filepath.WalkDir("/usr/share/doc", func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() || !strings.HasSuffix(p, ".html") || n >= 300 {
			return nil
		}
		page, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		n++
		if d := sameViews(page, DefaultLimits(), htmlMaxToken); d != "" {
			t.Errorf("%s: %s", p, d)
		}
		return nil
	})
	if n == 0 {
		t.Skip("no HTML files under /usr/share/doc")
	}
}

func FuzzHTMLLexer(f *testing.F) {
	for _, s := range []string{
		"<p title='a>b' x=c>t</p>", "<script><!--<script>a</script>-->b</script>c",
		"<!-- c --!> <? x ?> <!DOCTYPE y> </3> </>", "<title>&amp;</title>&lt;<textarea>\x00</textarea>",
	} {
		f.Add([]byte(s), uint8(0))
	}
	f.Fuzz(func(t *testing.T, page []byte, bound uint8) {
		lim := DefaultLimits()
		lim.MaxFileSize = 1 << 12
		if d := sameViews(page, lim, int(bound)); d != "" {
			t.Errorf("%q (bound %d): %s", page, bound, d)
		}
	})
}
