package mailmime

import (
	"encoding/base64"
	"math/rand"
	"strings"
	"testing"
)

// benchMessage is a 50 KB text message with a 200 KB base64 attachment.
func benchMessage() []byte {
	r := rand.New(rand.NewSource(7))
	att := make([]byte, 200<<10)
	r.Read(att)
	enc := base64.StdEncoding.EncodeToString(att)
	var b strings.Builder
	b.WriteString("From: a@example.com\r\nTo: b@example.com\r\nSubject: bench\r\nMIME-Version: 1.0\r\n")
	b.WriteString("Content-Type: multipart/mixed; boundary=\"=_bench_boundary\"\r\n\r\n--=_bench_boundary\r\n")
	b.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	line := "The quick brown fox jumps over the lazy dog, caf=C3=A9 and cr=C3=A8me.=\r\n"
	for b.Len() < 50<<10 {
		b.WriteString(line)
	}
	b.WriteString("\r\n--=_bench_boundary\r\nContent-Type: application/octet-stream; name=\"data.bin\"\r\n")
	b.WriteString("Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"data.bin\"\r\n\r\n")
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--=_bench_boundary--\r\n")
	return []byte(b.String())
}

func BenchmarkParseDecode(b *testing.B) {
	msg := benchMessage()
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		root, err := Parse(msg)
		if err != nil {
			b.Fatal(err)
		}
		_ = Walk(root, func(p *Part) error {
			if p.IsLeaf() {
				if _, err := p.Decode(); err != nil {
					b.Fatal(err)
				}
			}
			return nil
		})
	}
}

func BenchmarkDecodeBase64(b *testing.B) {
	data := make([]byte, 200<<10)
	rand.New(rand.NewSource(1)).Read(data)
	enc := []byte(base64.StdEncoding.EncodeToString(data))
	b.SetBytes(int64(len(enc)))
	for b.Loop() {
		DecodeBase64(enc)
	}
}
