package mailmime

import (
	"strings"
	"testing"
)

func TestLooksLikeMessage(t *testing.T) {
	const msg = "From: a@example.org\nTo: b@example.org\nSubject: hi\n\nhello\n"
	cases := []struct {
		name string
		head string
		want bool
	}{
		{"LF", msg, true},
		{"CRLF", strings.ReplaceAll(msg, "\n", "\r\n"), true},
		{"bare CR", strings.ReplaceAll(msg, "\n", "\r"), true},
		{"mbox From line", "From a@example.org Mon Dec  7 11:00:00 2026\n" + msg, true},
		{"byte order mark", "\xef\xbb\xbf" + msg, true},
		{"folded first field", "Received: by mx\n\tfor <b@example.org>;\nDate: Mon, 7 Dec 2026\n\nx\n", true},
		{"comment in a field name", "Received (via relay): by mx\nSubject: x\n\nbody\n", true},
		{"one known field", "Subject: hi\nX-Mailer: y\n\nbody\n", false},
		{"unknown fields then known", "X-A: 1\nX-B: 2\nFrom: a\nTo: b\n\n", true},
		{"head cut in the header", "From: a@example.org\nTo: b@example.org\nSubj", true},
		{"text with a colon", "just some notes: with a colon\nand more text\n", false},
		// An HTML body quoting a forwarded message: its first line is
		// no field, so the header (and any mail) ends there.
		{"HTML quoting a header", "<br><div class=\"gmail_quote\">---------- Forwarded message ----------<br>From: <b>Bob</b><br>\nDate: Wed, Feb 9, 2011<br>Subject: x<br>To: y<br>\n", false},
		{"quoted header after text", "Hello,\nFrom: a@example.org\nTo: b@example.org\n", false},
		{"empty", "", false},
	}
	for _, c := range cases {
		if got := LooksLikeMessage([]byte(c.head)); got != c.want {
			t.Errorf("%s: LooksLikeMessage = %v, want %v", c.name, got, c.want)
		}
	}
}
