package mailscan

import (
	"context"
	"encoding/base64"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"
)

// typicalMail returns n generated messages of about 50 KB (text and HTML
// alternatives plus a small attachment); every fifth also carries a
// 200 KB attachment. Content is pseudo-random so it does not compress.
func typicalMail(n int) [][]byte {
	r := rand.New(rand.NewSource(42))
	words := strings.Fields("the quick brown fox jumps over lazy dog invoice meeting report budget quarterly attached please find")
	text := func(size int) string {
		var b strings.Builder
		for b.Len() < size {
			b.WriteString(words[r.Intn(len(words))])
			if r.Intn(12) == 0 {
				b.WriteString(".\n")
			} else {
				b.WriteByte(' ')
			}
		}
		return b.String()
	}
	blob := func(size int) string {
		data := make([]byte, size)
		r.Read(data)
		enc := base64.StdEncoding.EncodeToString(data)
		var b strings.Builder
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\n")
			enc = enc[76:]
		}
		return b.String() + enc
	}
	msgs := make([][]byte, n)
	for i := range msgs {
		var b strings.Builder
		fmt.Fprintf(&b, "From: a%d@example.org\nTo: b@example.edu\nSubject: report %d\nMessage-ID: <%d@example.org>\nMIME-Version: 1.0\n", i, i, i)
		b.WriteString("Content-Type: multipart/mixed; boundary=\"mix\"\n\n--mix\nContent-Type: multipart/alternative; boundary=\"alt\"\n\n")
		fmt.Fprintf(&b, "--alt\nContent-Type: text/plain; charset=utf-8\n\n%s\n--alt\nContent-Type: text/html; charset=utf-8\n\n<html><body>%s</body></html>\n--alt--\n", text(15000), text(15000))
		fmt.Fprintf(&b, "--mix\nContent-Type: image/png; name=\"logo.png\"\nContent-Transfer-Encoding: base64\n\n%s\n", blob(14000))
		if i%5 == 4 {
			fmt.Fprintf(&b, "--mix\nContent-Type: application/pdf; name=\"report.pdf\"\nContent-Transfer-Encoding: base64\n\n%s\n", blob(200<<10))
		}
		b.WriteString("--mix--\n")
		msgs[i] = []byte(b.String())
	}
	return msgs
}

// BenchmarkProcessTypical measures messages/s and MB/s on one goroutine
// with the fake detector (so it measures this package, mailmime and the
// engine's plumbing, not signature matching).
func BenchmarkProcessTypical(b *testing.B) {
	msgs := typicalMail(50)
	var total int64
	for _, m := range msgs {
		total += int64(len(m))
	}
	s, _ := newTestScanner(b, testPolicy())
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	n, bytesDone := 0, int64(0)
	for b.Loop() {
		for _, m := range msgs {
			o, err := s.Process(ctx, m, Envelope{})
			if err != nil || o.Action != Deliver {
				b.Fatalf("%v %v", o.Action, err)
			}
			n++
			bytesDone += int64(len(m))
		}
	}
	sec := time.Since(start).Seconds()
	b.ReportMetric(float64(n)/sec, "msgs/s")
	b.ReportMetric(float64(bytesDone)/sec/1e6, "MB/s")
	b.ReportMetric(float64(total)/float64(len(msgs))/1024, "KB/msg")
}
