package mailmime

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestCorpus parses every corpus message (each mbox message separately)
// and checks that the recorded ranges tile it byte for byte.
func TestCorpus(t *testing.T) {
	entries := readCorpusIndex(t)
	if len(entries) != 391 {
		t.Fatalf("INDEX.tsv lists %d files, want 391", len(entries))
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(corpusDir, e.file))
		if err != nil {
			t.Fatal(err)
		}
		msgs := [][]byte{data}
		if e.features["mbox"] {
			msgs = msgs[:0]
			for _, m := range SplitMbox(data) {
				msgs = append(msgs, m.Message(data))
			}
		}
		var partial, signed, encrypted bool
		for i, m := range msgs {
			name := e.file
			if len(msgs) > 1 {
				name = fmt.Sprintf("%s#%d", e.file, i)
			}
			root, err := Parse(m)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			checkTiling(t, name, m, root)
			_ = Walk(root, func(p *Part) error {
				partial = partial || p.IsPartial
				signed = signed || p.IsSigned()
				encrypted = encrypted || p.IsEncrypted()
				if p.IsLeaf() {
					p.Decode()
					p.Uuencoded()
				}
				return nil
			})
		}
		// The index's tags come from an independent reading (Python's
		// email package plus the corpus authors' checks).
		if partial != e.features["partial"] {
			t.Errorf("%s: message/partial found = %v, tagged %v", e.file, partial, e.features["partial"])
		}
		if signed != e.features["signed"] {
			t.Errorf("%s: signed found = %v, tagged %v", e.file, signed, e.features["signed"])
		}
		if encrypted != e.features["encrypted"] {
			t.Errorf("%s: encrypted found = %v, tagged %v", e.file, encrypted, e.features["encrypted"])
		}
	}
}
