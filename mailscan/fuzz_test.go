package mailscan

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/sigtool/sigtool/mailmime"
)

// FuzzProcess feeds arbitrary messages to the policy. Whatever the input:
// no panic (which Process would turn into ErrInternal), never an outcome
// that loses the message, a delivered message identical to the input, and
// a rewrite that parses and that a second pass finds clean.
func FuzzProcess(f *testing.F) {
	files, _ := filepath.Glob("testdata/golden/*.eml")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: application/zip\n\nMARKER-A\n--a"))
	f.Add([]byte("Content-Type: text/plain; charset=utf-16\nContent-Transfer-Encoding: base64\n\n//5I\nbegin 644 x\n#34%2\n`\nend\n"))
	f.Add([]byte{})
	s, _ := newTestScanner(f, testPolicy())
	f.Fuzz(func(t *testing.T, msg []byte) {
		orig := bytes.Clone(msg)
		o, err := s.Process(context.Background(), msg, Envelope{})
		if errors.Is(err, ErrInternal) {
			t.Fatalf("internal error: %v", err)
		}
		if !bytes.Equal(msg, orig) {
			t.Fatal("input modified")
		}
		switch o.Action {
		case Deliver, Error:
			if !bytes.Equal(o.Message, msg) {
				t.Fatalf("%s outcome does not carry the original", o.Action)
			}
		case Delete:
			if len(o.Findings) != 1 || o.Findings[0].Quarantine == "" {
				t.Fatalf("deleted without quarantine: %+v", o)
			}
		case Rewrite:
			if _, err := mailmime.Parse(o.Message); err != nil {
				t.Fatalf("rewrite does not parse: %v", err)
			}
			again, err := s.Process(context.Background(), o.Message, Envelope{})
			if err == nil && again.Action == Rewrite {
				// Removing a part can expose nothing new, so a second pass
				// has nothing left to act on.
				t.Fatalf("second pass still acts: %+v", again.Findings)
			}
		default:
			t.Fatalf("action %q", o.Action)
		}
	})
}
