package realfiles

import (
	"os"
	"testing"
)

// TestSets: every class that has its source on this machine yields files
// within the size bound, and the same files twice; no file is also a
// training file.
func TestSets(t *testing.T) {
	corpus := "../../../shared/corpus/mail"
	a, err := Sets(t.TempDir(), corpus)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Sets(t.TempDir(), corpus)
	if err != nil {
		t.Fatal(err)
	}
	pe, elf := TrainingDirs()
	training := map[string]bool{}
	for _, p := range append(pe, elf...) {
		training[p] = true
	}
	for i, s := range a {
		t.Logf("%s: %d files, %d bytes %s", s.Name, len(s.Files), s.Bytes, s.Missing)
		if len(s.Files) != len(b[i].Files) || s.Bytes != b[i].Bytes {
			t.Errorf("%s: %d files, then %d", s.Name, len(s.Files), len(b[i].Files))
		}
		if len(s.Files) == 0 && s.Missing == "" {
			t.Errorf("%s: no files and no reason", s.Name)
		}
		if s.Bytes > 2*ClassBytes {
			t.Errorf("%s: %d bytes", s.Name, s.Bytes)
		}
		for _, f := range s.Files {
			if training[f] {
				t.Errorf("%s: %s is a training file", s.Name, f)
			}
		}
	}
	if _, err := os.Stat(corpus); err == nil && len(a[3].Files) == 0 {
		t.Errorf("no attachments in %s", corpus)
	}
	if a[1].Bytes < ClassBytes/2 || a[4].Bytes != ClassBytes {
		t.Errorf("ELF %d bytes, random %d", a[1].Bytes, a[4].Bytes)
	}
}
