package mailmime

import (
	"bytes"
	"encoding/base64"
	"math/rand"
	"testing"
)

func TestDecodeBase64(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SGVsbG8=", "Hello"},
		{"SGVsbG8", "Hello"},                       // missing padding
		{"SGVs\r\nbG8=\r\n", "Hello"},              // line breaks
		{" S G V s b G 8 = ", "Hello"},             // blanks
		{"SGV*s!b%G8=", "Hello"},                   // junk outside the alphabet
		{"SGk=SGk=", "HiHi"},                       // data after padding
		{"SGk==", "Hi"},                            // extra padding
		{"SGVsbG8gd29ybGQ=\nSGk", "Hello worldHi"}, // concatenated runs
		{"QQ", "A"},
		{"Q", ""}, // a lone sextet cannot form a byte
		{"", ""},
		{"====", ""},
	}
	for _, tt := range tests {
		if got := DecodeBase64([]byte(tt.in)); string(got) != tt.want {
			t.Errorf("DecodeBase64(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestDecodeBase64MatchesStdlib checks clean input against encoding/base64
// for every length remainder.
func TestDecodeBase64MatchesStdlib(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for n := 0; n < 200; n++ {
		data := make([]byte, n)
		r.Read(data)
		enc := base64.StdEncoding.EncodeToString(data)
		if got := DecodeBase64([]byte(enc)); !bytes.Equal(got, data) {
			t.Fatalf("length %d: round trip differs", n)
		}
		raw := base64.RawStdEncoding.EncodeToString(data)
		if got := DecodeBase64([]byte(raw)); !bytes.Equal(got, data) {
			t.Fatalf("length %d unpadded: round trip differs", n)
		}
	}
}

func TestDecodeQuotedPrintable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"caf=C3=A9", "café"},
		{"caf=c3=a9", "café"},                // lower-case hex
		{"soft=\nbreak", "softbreak"},        // LF soft break
		{"soft=\r\nbreak", "softbreak"},      // CRLF soft break
		{"soft=\rbreak", "softbreak"},        // bare CR soft break
		{"soft= \t\r\nbreak", "softbreak"},   // blanks before the break
		{"bad =ZZ escape", "bad =ZZ escape"}, // kept literally
		{"a = b", "a = b"},                   // lone "="
		{"end=", "end"},                      // "=" at the very end
		{"end=4", "end=4"},                   // short escape
		{"line one\r\nline two\n", "line one\r\nline two\n"},
		{"trailing  \n", "trailing  \n"},
	}
	for _, tt := range tests {
		if got := DecodeQuotedPrintable([]byte(tt.in)); string(got) != tt.want {
			t.Errorf("DecodeQuotedPrintable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDecodeByEncoding(t *testing.T) {
	tests := []struct {
		cte, body, want string
	}{
		{"base64", "SGVsbG8=", "Hello"},
		{"quoted-printable", "a=3Db", "a=b"},
		{"7bit", "plain", "plain"},
		{"8bit", "caf\xc3\xa9", "caf\xc3\xa9"},
		{"binary", "\x00\x01", "\x00\x01"},
		{"x-gzip64", "H4sI", "H4sI"}, // unknown: raw bytes
		{"x-uuencode", "begin 644 a\n#86)C\n`\nend\n", "abc"},
		{"x-uuencode", "#86)C\n", "abc"}, // no begin line
	}
	for _, tt := range tests {
		msg := []byte("Content-Transfer-Encoding: " + tt.cte + "\n\n" + tt.body)
		p, err := Parse(msg)
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.Decode()
		if err != nil || string(got) != tt.want {
			t.Errorf("%s %q: Decode = %q, %v; want %q", tt.cte, tt.body, got, err, tt.want)
		}
	}
}

func TestUuencodedAndYEnc(t *testing.T) {
	msg := []byte("Subject: x\n\nhi\nbegin 644 a.txt\n#86)C\n`\nend\nmiddle\nbegin 600 b.bin\n\"9&4\nbegin-base64 644 c.txt\nSGk=\n====\n=ybegin line=128 size=2 name=y.bin\n\x8b\x8c\n=yend size=2\n")
	p, _ := Parse(msg)
	uu := p.Uuencoded()
	if len(uu) != 2 || uu[0].Name != "a.txt" || string(uu[0].Data) != "abc" || uu[1].Name != "b.bin" {
		t.Fatalf("Uuencoded = %+v", uu)
	}
	// The unterminated second block runs to the end and keeps its data line.
	if !bytes.HasPrefix(uu[1].Data, []byte("de")) {
		t.Errorf("unterminated block data = %q", uu[1].Data)
	}
	y := p.YEnc()
	if len(y) != 1 || y[0].Name != "y.bin" || string(y[0].Data) != "ab" {
		t.Errorf("YEnc = %+v", y)
	}
	b64 := scanUU([]byte("begin-base64 644 c.txt\nSGk=\n====\n"), true)
	if len(b64) != 1 || string(b64[0].Data) != "Hi" || b64[0].Name != "c.txt" {
		t.Errorf("begin-base64 = %+v", b64)
	}
}

func TestDecodeWords(t *testing.T) {
	tests := []struct{ in, want string }{
		{"=?UTF-8?B?w6k=?=", "é"},
		{"=?utf-8?q?caf=C3=A9_bar?=", "café bar"},
		{"=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=", "ab"}, // blanks between words dropped
		{"=?ISO-8859-1?Q?a?= x =?ISO-8859-1?Q?b?=", "a x b"},
		{"report=?utf-8?q?_v2?=.pdf", "report v2.pdf"}, // word touching text
		// A character split across two words in one charset survives.
		{"=?UTF-8?Q?=E2=82?= =?UTF-8?Q?=AC?=", "€"},
		{"=?UTF-8*en?Q?x?=", "x"},              // RFC 2231 language suffix
		{"=?bogus?Q?abc?=", "abc"},             // unknown charset: bytes kept
		{"=?UTF-8?X?abc?=", "=?UTF-8?X?abc?="}, // unknown encoding kept
		{"=?UTF-8?Q?unterminated", "=?UTF-8?Q?unterminated"},
		{"no words", "no words"},
		{"=?UTF-7?Q?a+AKM-b?=", "a£b"},
	}
	for _, tt := range tests {
		if got := decodeWords(tt.in); got != tt.want {
			t.Errorf("decodeWords(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDecodeUTF7(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Hi Mom -+Jjo--!", "Hi Mom -☺-!"},
		{"A+ImIDkQ.", "A≢Α."},
		{"1 +- 1", "1 + 1"},
		{"+2D3fAA-", "🜀"}, // surrogate pair
		{"+AGE", "a"},     // unterminated run
	}
	for _, tt := range tests {
		if got := decodeUTF7([]byte(tt.in)); got != tt.want {
			t.Errorf("decodeUTF7(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzDecodeBase64(f *testing.F) {
	f.Add([]byte("SGVsbG8="), []byte{})
	f.Add([]byte("SGk=SGk"), []byte("\r\n"))
	f.Add([]byte("\x00\xff=="), []byte("*"))
	f.Fuzz(func(t *testing.T, in, noise []byte) {
		out := DecodeBase64(in)
		if len(out) > len(in)*3/4+3 {
			t.Fatalf("%d bytes out of %d in", len(out), len(in))
		}
		// Clean base64 of in, with noise bytes outside the alphabet
		// spread through it, decodes back to in.
		enc := []byte(base64.StdEncoding.EncodeToString(in))
		var noisy []byte
		for i, c := range enc {
			noisy = append(noisy, c)
			if len(noise) > 0 {
				if n := noise[i%len(noise)]; b64val[n] < 0 && n != '=' {
					noisy = append(noisy, n)
				}
			}
		}
		if got := DecodeBase64(noisy); !bytes.Equal(got, in) {
			t.Fatalf("noisy round trip: got %q, want %q", got, in)
		}
	})
}

func TestText(t *testing.T) {
	tests := []struct {
		msg, want string
		ok        bool
	}{
		{"Content-Type: text/plain; charset=iso-2022-jp\n\n\x1b$B$3$s$K$A$O\x1b(B", "こんにちは", true},
		{"Content-Type: text/plain; charset=koi8-r\nContent-Transfer-Encoding: base64\n\n8NLJ18XU", "Привет", true},
		{"Content-Type: text/plain; charset=x-unknown\n\nraw \xff", "raw \xff", false},
	}
	for _, tt := range tests {
		p, _ := Parse([]byte(tt.msg))
		if got, ok := p.Text(); got != tt.want || ok != tt.ok {
			t.Errorf("%q: Text = %q, %v; want %q, %v", tt.msg, got, ok, tt.want, tt.ok)
		}
	}
}
