package mailscan

import (
	"context"
	"strings"
	"testing"

	"github.com/sigtool/sigtool/mailmime"
)

// TestBannerReachesEveryReader: the banner lands where the message's
// reader looks: in an HTML-only body (after its <body> tag, or in front
// of an encoded one), and in every version of a multipart/alternative.
func TestBannerReachesEveryReader(t *testing.T) {
	const head = "From: a@example.org\nTo: b@example.edu\nMIME-Version: 1.0\n"
	const evil = "--B\nContent-Type: application/octet-stream; name=x.exe\n\nMARKER-A\n--B--\n"
	tests := []struct {
		name string
		msg  string
		want int // text bodies (text/plain, text/html) that must show the banner
	}{
		{"html only", head + "Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/html\n\n<html><head><title>t</title></head><body bgcolor=white><p>Hello</p></body></html>\n" + evil, 1},
		{"html only, base64", head + "Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: base64\n\nPGh0bWw+PGJvZHk+PHA+SGVsbG88L3A+PC9ib2R5PjwvaHRtbD4=\n" + evil, 1},
		{"alternative", head + "Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: multipart/alternative; boundary=A\n\n--A\nContent-Type: text/plain\n\nHello\n--A\nContent-Type: text/html\n\n<p>Hello</p>\n--A--\n" + evil, 2},
		{"alternative with related html", head + "Content-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: multipart/alternative; boundary=A\n\n--A\nContent-Type: text/plain\n\nHello\n--A\nContent-Type: multipart/related; boundary=R\n\n--R\nContent-Type: text/html\n\n<html><body><p>Hello</p><img src=cid:i></body></html>\n--R\nContent-Type: image/gif\nContent-ID: <i>\n\nR0lGOD\n--R--\n--A--\n" + evil, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestScanner(t, testPolicy())
			o, err := s.Process(context.Background(), []byte(tt.msg), Envelope{})
			if err != nil || o.Action != Rewrite {
				t.Fatalf("%v %s", err, o.Action)
			}
			root, _ := mailmime.Parse(o.Message)
			shown := 0
			mailmime.Walk(root, func(p *mailmime.Part) error {
				if p.InAlternate() || !p.IsLeaf() || (p.ContentType != "text/plain" && p.ContentType != "text/html") {
					return nil
				}
				text, _ := p.Text()
				if strings.Contains(text, "Virus Warning Message") && strings.Contains(text, "Hello") {
					shown++
					if p.ContentType == "text/html" && strings.Contains(text, "<body") && strings.Index(text, "<pre>") < strings.Index(text, "<body") {
						t.Errorf("banner before the <body> tag:\n%s", text)
					}
				}
				return nil
			})
			if shown != tt.want {
				t.Fatalf("banner in %d text bodies, want %d:\n%s", shown, tt.want, o.Message)
			}
		})
	}
}
