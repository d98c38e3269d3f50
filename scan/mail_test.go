package scan

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	"testing"
)

func TestExpandMail(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString([]byte("MZ junk " + marker + " more"))
	uu := "begin 644 tool.bin\n" + uuencodeLine([]byte(marker)) + "`\nend\n"
	cases := []struct {
		name      string
		msg       string
		wantFound string // member path suffix that must carry testSig; "" = clean
		wantMail  bool
	}{
		{"base64 attachment",
			"From: a@example.org\nTo: b@example.org\nSubject: x\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=zz\n\n--zz\nContent-Type: text/plain\n\nhi\n--zz\nContent-Type: application/octet-stream; name=\"x.exe\"\nContent-Transfer-Encoding: base64\n\n" + b64 + "\n--zz--\n",
			"mail.eml!x.exe", true},
		{"uuencoded block in a text body",
			"From: a@example.org\nSubject: uu\n\nsee below\n" + uu,
			"mail.eml!part-1/tool.bin", true},
		{"clean mail", "From: a@example.org\nTo: b@example.org\nSubject: hi\n\nhello\n", "", true},
		{"text that is not mail", "just some notes: with a colon\nand more text\n", "", false},
		{"bare CR line ends", strings.ReplaceAll("From: a@example.org\nTo: b@example.org\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=zz\n\n--zz\nContent-Type: application/octet-stream; name=\"x.exe\"\nContent-Transfer-Encoding: base64\n\n"+b64+"\n--zz--\n", "\n", "\r"),
			"mail.eml!x.exe", true},
		// An HTML page quoting a forwarded message's header is HTML: were
		// it mail, its headerless reading would be itself, nested again
		// and again up to MaxRecursion.
		{"HTML quoting a header", "<br><div>---------- Forwarded message ----------<br>From: <b>Bob</b><br>\nDate: Wed, Feb 9, 2011<br>Subject: x<br>To: y<br>\n", "", false},
	}
	e := New(&fakeDetector{}, Options{Limits: DefaultOptions().Limits, Expand: ExpandMail})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := []byte(c.msg)
			_, isMail := ExpandMail(context.Background(), "mail.eml", bytes.NewReader(data), int64(len(data)), DefaultOptions().Limits)
			if isMail != c.wantMail {
				t.Fatalf("ExpandMail took it as mail = %v, want %v", isMail, c.wantMail)
			}
			r, err := e.Scan(context.Background(), "mail.eml", bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			f := r.Findings()
			if c.wantFound == "" {
				if len(f) != 0 {
					t.Fatalf("clean mail: findings %v", f)
				}
				return
			}
			if len(f) != 1 || !strings.HasSuffix(f[0].Path, c.wantFound) || f[0].Signature != testSig {
				t.Fatalf("findings %+v, want %s at %s", f, testSig, c.wantFound)
			}
		})
	}
}

// uuencodeLine encodes up to 45 bytes as one uuencoded line.
func uuencodeLine(b []byte) string {
	enc := func(c byte) byte {
		if c == 0 {
			return '`'
		}
		return c + 32
	}
	var s strings.Builder
	s.WriteByte(enc(byte(len(b))))
	for i := 0; i < len(b); i += 3 {
		var x [3]byte
		copy(x[:], b[i:])
		s.WriteByte(enc(x[0] >> 2))
		s.WriteByte(enc((x[0]<<4 | x[1]>>4) & 63))
		s.WriteByte(enc((x[1]<<2 | x[2]>>6) & 63))
		s.WriteByte(enc(x[2] & 63))
	}
	s.WriteByte('\n')
	return s.String()
}
