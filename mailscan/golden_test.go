package mailscan

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigtool/sigtool/mailmime"
)

// goldenVerdict is what NAME.verdict holds: the Outcome without the message.
type goldenVerdict struct {
	Path     string    `json:"path"`
	Action   Action    `json:"action"`
	Findings []Finding `json:"findings"`
	Reasons  []string  `json:"reasons"`
}

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestGolden runs every testdata/golden/NAME.eml through the default policy
// and compares the verdict (NAME.verdict, JSON) and the delivered message
// (NAME.out, absent when the message is deleted) byte for byte. Beyond the
// files it checks what must hold for any rewrite: valid MIME out, every
// untouched part kept byte for byte, each removed original in the
// quarantine, and nothing left for a second pass to find.
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/golden/*.eml")
	if len(files) < 20 {
		t.Fatalf("only %d golden inputs", len(files))
	}
	for _, in := range files {
		name := strings.TrimSuffix(filepath.Base(in), ".eml")
		t.Run(name, func(t *testing.T) {
			msg, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			orig := bytes.Clone(msg)
			s, q := newTestScanner(t, testPolicy())
			o, err := s.Process(context.Background(), msg, Envelope{ID: name})
			if err != nil {
				t.Fatalf("Process: %v", err)
			}
			if !bytes.Equal(msg, orig) {
				t.Fatal("Process modified its input")
			}
			verdict, _ := json.MarshalIndent(goldenVerdict{Path: name, Action: o.Action, Findings: o.Findings, Reasons: o.Reasons}, "", "  ")
			verdict = append(verdict, '\n')
			base := strings.TrimSuffix(in, ".eml")
			compareGolden(t, base+".verdict", verdict)
			if o.Action == Delete {
				if o.Message != nil {
					t.Error("deleted message has bytes")
				}
				if _, err := os.Stat(base + ".out"); err == nil && !*update {
					t.Error("golden .out exists for a deleted message")
				}
			} else {
				compareGolden(t, base+".out", o.Message)
			}
			for _, f := range o.Findings {
				if _, _, err := q.Get(f.Quarantine); err != nil {
					t.Errorf("finding %+v: quarantined original: %v", f, err)
				}
			}
			if o.Action == Rewrite {
				checkRewrite(t, s, msg, o)
			}
		})
	}
}

// checkRewrite asserts the properties every rewritten message must have.
func checkRewrite(t *testing.T, s *Scanner, msg []byte, o *Outcome) {
	t.Helper()
	out, err := mailmime.Parse(o.Message)
	if err != nil {
		t.Fatalf("output does not parse: %v", err)
	}
	// The output's leaves as parsed, so that an untouched part must still
	// be a part of its own (not merely bytes swallowed by a neighbour).
	var outLeaves []*mailmime.Part
	mailmime.Walk(out, func(p *mailmime.Part) error {
		if p.IsLeaf() && !p.InAlternate() {
			outLeaves = append(outLeaves, p)
		}
		return nil
	})
	isOutLeaf := func(p *mailmime.Part) bool {
		for _, q := range outLeaves {
			rest := p.Body()[afterBodyTag(p.Body()):] // the banner may follow an HTML <body> tag
			if bytes.Equal(q.HeaderBytes(), p.HeaderBytes()) && bytes.HasSuffix(q.Body(), rest) {
				return true
			}
		}
		return false
	}
	// Every leaf outside the parts acted on survives byte for byte.
	root, _ := mailmime.Parse(msg)
	targets, err := s.inspect(context.Background(), msg, root)
	if err != nil {
		t.Fatal(err)
	}
	touched := map[*mailmime.Part]bool{}
	for _, tg := range targets {
		touched[tg.part] = true
	}
	var check func(p *mailmime.Part)
	check = func(p *mailmime.Part) {
		if touched[p] {
			return
		}
		// A body may have the banner put in front of it (or after its
		// <body> tag); its header and its own bytes must still be there.
		off := afterBodyTag(p.Body())
		if p.IsLeaf() && (!bytes.Contains(o.Message, p.HeaderBytes()) || !bytes.Contains(o.Message, p.Body()[:off]) || !bytes.Contains(o.Message, p.Body()[off:])) {
			t.Errorf("untouched part at byte %d (%s) lost or changed", p.Start, p.ContentType)
		} else if p.IsLeaf() && !isOutLeaf(p) {
			t.Errorf("untouched part at byte %d (%s) is no longer a part of its own in the output", p.Start, p.ContentType)
		}
		for _, c := range p.Children {
			check(c)
		}
	}
	check(root)
	// A second pass finds nothing: the rewrite removed what it reported.
	again, err := s.Process(context.Background(), o.Message, Envelope{})
	if err != nil || again.Action != Deliver {
		t.Errorf("second pass: %s %v %v", again.Action, again.Findings, err)
	}
	for _, f := range o.Findings {
		if !bytes.Contains(o.Message, []byte(f.Signature)) && !isQPOrBase64Banner(o.Message) {
			t.Errorf("banner does not name %s", f.Signature)
		}
	}
}

// isQPOrBase64Banner reports whether the banner may be encoded in the
// output (then it is checked by decoding in the golden file instead).
func isQPOrBase64Banner(msg []byte) bool {
	return bytes.Contains(msg, []byte("base64")) || bytes.Contains(msg, []byte("quoted-printable"))
}

func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from output:\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}
