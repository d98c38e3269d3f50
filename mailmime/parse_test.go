package mailmime

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestHeader(t *testing.T) {
	msg := []byte("\xef\xbb\xbfFrom: a@example.com\r\nSubject: folded\r\n  twice\r\n\tthrice\r\nX-Empty:\r\nsubject : second\r\n\r\nbody")
	p, _ := Parse(msg)
	h := p.Header
	if got := h.Get("FROM"); got != "a@example.com" {
		t.Errorf("Get(FROM) = %q (BOM must not hide the first field)", got)
	}
	if got := h.Get("subject"); got != "folded  twice\tthrice" {
		t.Errorf("unfolded Subject = %q", got)
	}
	if got := h.Values("Subject"); len(got) != 2 || got[1] != "second" {
		t.Errorf("Values(Subject) = %q", got)
	}
	if !h.Has("x-empty") || h.Has("x-missing") {
		t.Error("Has is wrong")
	}
	if f := h.Fields[1]; string(f.Raw) != "Subject: folded\r\n  twice\r\n\tthrice\r\n" {
		t.Errorf("raw field = %q", f.Raw)
	}
	if string(p.Body()) != "body" {
		t.Errorf("body = %q", p.Body())
	}
}

func TestHeaderEdgeCases(t *testing.T) {
	tests := []struct {
		name, msg, body string
		fields          int
	}{
		{"no blank line", "Subject: x\nThis is body text\n", "This is body text\n", 1},
		{"no header", "\nbody", "body", 0},
		{"only header", "Subject: x\n", "", 1},
		{"envelope line", "From me@x Mon Jan  1 00:00:00 2024\nSubject: x\n\nb", "b", 2},
		{"leading continuation", "   \nSubject: x\n\nb", "b", 2},
		{"bare CR", "Subject: x\rTo: y\r\rb", "b", 2},
		{"8-bit and NUL", "Subject: \xe9\x00\n\nb", "b", 1},
		{"empty", "", "", 0},
	}
	for _, tt := range tests {
		p, err := Parse([]byte(tt.msg))
		if err != nil {
			t.Fatal(err)
		}
		if string(p.Body()) != tt.body || len(p.Header.Fields) != tt.fields {
			t.Errorf("%s: body %q, %d fields; want %q, %d", tt.name, p.Body(), len(p.Header.Fields), tt.body, tt.fields)
		}
	}
}

func TestParams(t *testing.T) {
	tests := []struct {
		in      string
		value   string
		key     string
		want    string
		wantRaw string
	}{
		{`text/plain; charset="us-ascii"`, "text/plain", "charset", "us-ascii", "us-ascii"},
		{`TEXT/Plain; CHARSET=UTF-8`, "text/plain", "charset", "UTF-8", "UTF-8"},
		{`(comment) text/html (c2); charset=x`, "text/html", "charset", "x", "x"},
		{`multipart/mixed boundary="b"`, "multipart/mixed", "boundary", "b", "b"}, // missing ';'
		{`multipart/mixed;; boundary="a\"b"`, "multipart/mixed", "boundary", `a"b`, `a\"b`},
		{`application/x; name="unterminated`, "application/x", "name", "unterminated", "unterminated"},
		{`application/x; name*0="a"; name*1="b"; name*2="c"`, "application/x", "name", "abc", "abc"},
		{`application/x; name*1="b"; name*0="a"`, "application/x", "name", "ab", "ab"}, // out of order
		{`application/x; name*=utf-8'en'%E2%82%AC.txt`, "application/x", "name", "€.txt", "utf-8'en'%E2%82%AC.txt"},
		{`application/x; name*0*=iso-8859-1''caf%E9; name*1=.txt`, "application/x", "name", "café.txt", "iso-8859-1''caf%E9.txt"},
		{`application/x; name="plain"; name*=utf-8''wins`, "application/x", "name", "wins", "utf-8''wins"},
		{`application/x; name="=?utf-8?B?w6kudHh0?="`, "application/x", "name", "é.txt", "=?utf-8?B?w6kudHh0?="},
		{`application/x; name*=utf-8''%ZZbad`, "application/x", "name", "%ZZbad", "utf-8''%ZZbad"},
		{`text`, "text", "", "", ""},
	}
	for _, tt := range tests {
		mt := parseMediaType(tt.in, true)
		if mt.value != tt.value {
			t.Errorf("%q: value %q, want %q", tt.in, mt.value, tt.value)
		}
		if tt.key != "" && (mt.params[tt.key] != tt.want || mt.raw[tt.key] != tt.wantRaw) {
			t.Errorf("%q: %s = %q raw %q, want %q raw %q", tt.in, tt.key, mt.params[tt.key], mt.raw[tt.key], tt.want, tt.wantRaw)
		}
	}
	if parseMediaType("text", true).ok {
		t.Error(`"text" without subtype must not be ok`)
	}
}

func TestContentTypeDefaults(t *testing.T) {
	tests := []struct{ msg, want string }{
		{"Subject: x\n\nb", "text/plain"},
		{"Content-Type: text\n\nb", "text/plain"}, // missing subtype
		{"Content-Type: ;;\n\nb", "text/plain"},
		{"Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: in\n\nx\n--d--\n", "message/rfc822"},
	}
	for _, tt := range tests {
		p, _ := Parse([]byte(tt.msg))
		got := p.ContentType
		if len(p.Children) > 0 {
			got = p.Children[0].ContentType
		}
		if got != tt.want {
			t.Errorf("%q: type %q, want %q", tt.msg, got, tt.want)
		}
	}
}

func TestBoundaryOffsets(t *testing.T) {
	msg := []byte("Content-Type: multipart/mixed; boundary=b\r\n\r\npre\r\n--b\r\n\r\none\r\n--b\r\nContent-Type: text/html\r\n\r\ntwo\r\n\r\n--b--\r\nepi\r\n")
	p, _ := Parse(msg)
	if len(p.Children) != 2 {
		t.Fatalf("%d children", len(p.Children))
	}
	if got := string(p.PreambleBytes()); got != "pre" {
		t.Errorf("preamble %q", got)
	}
	if got := string(p.Children[0].Body()); got != "one" {
		t.Errorf("child 0 body %q (the CRLF before a delimiter belongs to it)", got)
	}
	if got := string(p.Children[1].Body()); got != "two\r\n" {
		t.Errorf("child 1 body %q", got)
	}
	if got := string(p.EpilogueBytes()); got != "epi\r\n" {
		t.Errorf("epilogue %q", got)
	}
	// Replacing one part keeps every other byte.
	out := p.Children[0].Replace([]byte("X"))
	want := bytes.Replace(msg, []byte("\r\n\r\none\r\n"), []byte("\r\nX\r\n"), 1)
	if !bytes.Equal(out, want) {
		t.Errorf("Replace = %q\nwant %q", out, want)
	}
}

func TestBoundaryLeniency(t *testing.T) {
	tests := []struct {
		name, msg string
		leaves    int
	}{
		{"prefix of an inner boundary", "Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: multipart/mixed; boundary=ab\n\n--ab\n\nx\n--ab\n\ny\n--ab--\n--a--\n", 2},
		{"indented delimiters only", "Content-Type: multipart/mixed; boundary=q\n\n  --q\n\nx\n  --q\n\ny\n  --q--\n", 2},
		{"delimiter with junk only", "Content-Type: multipart/mixed; boundary=q\n\n--q junk\n\nx\n--q--junk\n", 1},
		{"no boundary param", "Content-Type: multipart/mixed\n\n--q\n\nx\n", 1},
		{"boundary never used", "Content-Type: multipart/mixed; boundary=zz\n\njust text\n", 1},
		{"empty parts", "Content-Type: multipart/mixed; boundary=e\n\n--e\n--e\n--e--\n", 2},
		{"close at body start", "Content-Type: multipart/mixed; boundary=e\n\n--e--\n", 1}, // the container itself
	}
	for _, tt := range tests {
		p, err := Parse([]byte(tt.msg))
		if err != nil {
			t.Fatal(err)
		}
		checkTiling(t, tt.name, []byte(tt.msg), p)
		if n := primaryLeaves(p); n != tt.leaves {
			t.Errorf("%s: %d leaves, want %d\n%s", tt.name, n, tt.leaves, dumpTree(p))
		}
	}
}

// primaryLeaves counts the leaves of the reading Parse chose.
func primaryLeaves(p *Part) int {
	if p.IsLeaf() {
		return 1
	}
	n := 0
	for _, c := range p.Children {
		n += primaryLeaves(c)
	}
	return n
}

func TestTwoContentTypes(t *testing.T) {
	// The first type is multipart but its boundary never appears: the
	// second (which works) is the reading, and the first yields nothing
	// to walk. With both boundaries in use, both are walked.
	msg := []byte("Content-Type: multipart/mixed; boundary=nope\nContent-Type: multipart/mixed; boundary=yes\n\n--yes\n\nx\n--yes--\n")
	p, _ := Parse(msg)
	if p.Boundary != "yes" || len(p.Alternates) != 0 {
		t.Fatalf("boundary %q, alternates %d\n%s", p.Boundary, len(p.Alternates), dumpTree(p))
	}
	msg = []byte("Content-Type: multipart/mixed; boundary=no\nContent-Type: multipart/mixed; boundary=yes\n\n--no\n\nx\n--no--\n--yes\n\ny\n--yes--\n")
	p, _ = Parse(msg)
	if p.Boundary != "no" || len(p.Alternates) != 1 || p.Alternates[0].Boundary != "yes" || !p.Alternates[0].InAlternate() {
		t.Fatalf("boundary %q, alternates %d\n%s", p.Boundary, len(p.Alternates), dumpTree(p))
	}
	var order []string
	_ = Walk(p, func(q *Part) error {
		order = append(order, q.ContentType+"="+string(q.Body()))
		return nil
	})
	if got := strings.Join(order, ","); !strings.HasPrefix(got, "multipart/mixed=") || !strings.Contains(got, "text/plain=x,multipart/mixed=") || !strings.HasSuffix(got, "text/plain=y") {
		t.Errorf("walk order %q", got)
	}
}

func TestDepthLimit(t *testing.T) {
	var b strings.Builder
	for i := 0; i < MaxDepth+10; i++ {
		b.WriteString("Content-Type: message/rfc822\n\n")
	}
	b.WriteString("Subject: bottom\n\nbody\n")
	msg := []byte(b.String())
	p, err := Parse(msg)
	if !errors.Is(err, ErrTooDeep) {
		t.Fatalf("err = %v, want ErrTooDeep", err)
	}
	deepest := 0
	_ = Walk(p, func(q *Part) error {
		deepest = max(deepest, q.Depth)
		return nil
	})
	if deepest != MaxDepth {
		t.Errorf("deepest part at %d, want %d", deepest, MaxDepth)
	}
	checkTiling(t, "deep", msg, p)

	// Nested multiparts hit the same limit.
	b.Reset()
	for i := 0; i < MaxDepth+5; i++ {
		b.WriteString("Content-Type: multipart/mixed; boundary=b" + strings.Repeat("x", i) + "\n\n--b" + strings.Repeat("x", i) + "\n")
	}
	if _, err := Parse([]byte(b.String())); !errors.Is(err, ErrTooDeep) {
		t.Errorf("nested multipart: err = %v, want ErrTooDeep", err)
	}
}

func TestPartLimit(t *testing.T) {
	msg := []byte("Content-Type: multipart/mixed; boundary=p\n\n" + strings.Repeat("--p\n\nx\n", MaxParts+50) + "--p--\n")
	p, err := Parse(msg)
	if !errors.Is(err, ErrTooManyParts) {
		t.Fatalf("err = %v, want ErrTooManyParts", err)
	}
	if len(p.Children) >= MaxParts+50 {
		t.Errorf("%d children despite the limit", len(p.Children))
	}
	checkTiling(t, "many", msg, p)
}

// TestLongHeaderLinear parses one huge folded header field at two sizes;
// quadratic work would make the large one far slower than 10x.
func TestLongHeaderLinear(t *testing.T) {
	build := func(n int) []byte {
		return []byte("X-Long: " + strings.Repeat("word word word\r\n ", n) + "\r\nContent-Type: text/plain; name=" + strings.Repeat("n", n) + "\r\n\r\nbody")
	}
	timeIt := func(msg []byte) time.Duration {
		start := time.Now()
		for i := 0; i < 3; i++ {
			if _, err := Parse(msg); err != nil {
				t.Fatal(err)
			}
		}
		return time.Since(start)
	}
	small, large := build(5_000), build(50_000) // 85 KB and 850 KB
	timeIt(small)
	ts, tl := timeIt(small), timeIt(large)
	if tl > 40*ts+50*time.Millisecond {
		t.Errorf("10x input took %v vs %v: superlinear", tl, ts)
	}
}

func TestIsAttachment(t *testing.T) {
	tests := []struct {
		msg  string
		want bool
	}{
		{"Content-Type: text/plain\n\nx", false},
		{"Content-Type: text/plain; name=a.txt\n\nx", true},
		{"Content-Type: text/html\nContent-Disposition: attachment; filename=a.html\n\nx", true},
		{"Content-Type: image/png\n\nx", true},
		{"Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b--\n", false},
	}
	for _, tt := range tests {
		p, _ := Parse([]byte(tt.msg))
		if got := p.IsAttachment(); got != tt.want {
			t.Errorf("%q: IsAttachment = %v, want %v", tt.msg, got, tt.want)
		}
	}
}

func TestEncryption(t *testing.T) {
	tests := []struct {
		msg               string
		encrypted, signed bool
	}{
		{"Content-Type: multipart/encrypted; boundary=b\n\n--b\n\nx\n--b--\n", true, false},
		{"Content-Type: application/pgp-encrypted\n\nVersion: 1", true, false},
		{"Content-Type: application/pkcs7-mime; smime-type=enveloped-data\n\nx", true, false},
		{"Content-Type: application/pkcs7-mime; smime-type=authEnveloped-data\n\nx", true, false},
		{"Content-Type: application/x-pkcs7-mime; name=smime.P7M\n\nx", true, false},
		{"Content-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m\n\nx", false, true},
		{"Content-Type: application/pkcs7-mime; name=smime.p7s\n\nx", false, false},
		{"Content-Type: multipart/signed; boundary=b\n\n--b\n\nx\n--b--\n", false, true},
		{"Content-Type: application/octet-stream\n\n-----BEGIN PGP MESSAGE-----\nx\n", true, false},
		{"Content-Type: text/plain\n\n-----BEGIN PGP MESSAGE-----\nx\n", false, false}, // not an attachment
		{"Content-Type: application/octet-stream\n\n-----BEGIN PGP SIGNATURE-----\nx\n", false, false},
	}
	for _, tt := range tests {
		p, _ := Parse([]byte(tt.msg))
		if p.IsEncrypted() != tt.encrypted || p.IsSigned() != tt.signed {
			t.Errorf("%q: encrypted %v signed %v, want %v %v", tt.msg, p.IsEncrypted(), p.IsSigned(), tt.encrypted, tt.signed)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"Subject: x\n\nbody",
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n",
		"Content-Type: message/rfc822\n\nContent-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: y\n\nz\n--d",
		"Content-Type: multipart/mixed; boundary=b\nContent-Type: text/plain\n\n--b\n--b--",
		"Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\nU3ViamVjdDogeAoKeQ==",
		"Content-Type: application/ms-tnef\n\n\x78\x9f\x3e\x22\x00\x00",
		"Content-Type: text/plain; name*0*=utf-8''%E2; name*1*=%82%AC\n\nbegin 644 a\n#86)C\nend\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		LooksLikeMessage(msg)
		p, err := Parse(msg)
		if err != nil && !errors.Is(err, ErrTooDeep) && !errors.Is(err, ErrTooManyParts) {
			t.Fatalf("unexpected error %v", err)
		}
		checkTiling(t, "fuzz", msg, p)
		_ = Walk(p, func(q *Part) error {
			if q.IsLeaf() {
				q.Decode()
				q.Uuencoded()
				q.YEnc()
				q.IsEncrypted()
			}
			return nil
		})
	})
}
