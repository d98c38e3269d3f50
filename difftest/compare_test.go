package difftest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// sample is one file of a case.
type sample struct {
	name string
	data []byte
	hit  bool // the case's signature must match (what the format means)
	// clamDiffers, when not empty, says why ClamAV's verdict on this
	// sample is the opposite of hit (a design difference or a ClamAV
	// bug); the test asserts that opposite instead of equality.
	clamDiffers string
	// oursDiffers, when not empty, names a known bug of ours that makes
	// our verdict the opposite of hit. The test asserts the bug, so that
	// fixing it fails here and the entry gets removed.
	oursDiffers string
}

// diffCase is a set of signature lines, the signature name whose verdict
// the samples pin down, and the samples: files that must match and near
// misses that must not.
type diffCase struct {
	name    string
	sig     string
	db      map[string][]string // database file -> lines
	samples []sample
}

// runCases writes every case's lines into one database and every sample
// into one directory, runs clamscan once and our matcher once, and checks
// each file: the case's signature as the case says, and every other
// signature (cross hits between cases) equal on both sides.
func runCases(t *testing.T, cases []diffCase) {
	t.Helper()
	dir := workDir(t)
	db := database{}
	for _, c := range cases {
		for file, lines := range c.db {
			db.add(file, lines...)
		}
	}
	dbDir := db.write(t, dir)
	files := filepath.Join(dir, "files")
	if err := os.MkdirAll(files, 0o755); err != nil {
		t.Fatal(err)
	}
	type planned struct {
		c    *diffCase
		s    *sample
		path string
	}
	var plan []planned
	var paths []string
	seen := map[string]bool{}
	for i := range cases {
		c := &cases[i]
		for j := range c.samples {
			s := &c.samples[j]
			p := filepath.Join(files, fmt.Sprintf("%s-%s", c.name, s.name))
			if seen[p] {
				t.Fatalf("duplicate sample %s", p)
			}
			seen[p] = true
			if err := os.WriteFile(p, s.data, 0o644); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, planned{c, s, p})
			paths = append(paths, p)
		}
	}

	m, err := loadDir(context.Background(), dbDir)
	if err != nil {
		t.Fatalf("our build: %v", err)
	}
	ours := ourVerdicts(t, m, paths)
	clam := runClamscan(t, dbDir, paths)

	for _, p := range plan {
		o, c := ours[p.path], clam[p.path]
		oHas, cHas := slices.Contains(o, p.c.sig), slices.Contains(c, p.c.sig)
		wantClam := p.s.hit != (p.s.clamDiffers != "")
		wantOurs := p.s.hit != (p.s.oursDiffers != "")
		label := p.c.name + "/" + p.s.name
		if oHas != wantOurs {
			t.Errorf("%s: ours reports %s = %v, want %v (ours %v, clamscan %v)", label, p.c.sig, oHas, wantOurs, o, c)
		}
		if cHas != wantClam {
			t.Errorf("%s: clamscan reports %s = %v, want %v (clamscan %v, ours %v)", label, p.c.sig, cHas, wantClam, c, o)
		}
		if !slices.Equal(without(o, p.c.sig), without(c, p.c.sig)) {
			t.Errorf("%s: other signatures differ: ours %v, clamscan %v", label, o, c)
		}
	}
}

func without(names []string, drop string) []string {
	return slices.DeleteFunc(slices.Clone(names), func(s string) bool { return s == drop })
}

// workDir is a temporary directory, kept for inspection (clamscan --debug
// on the samples, say) when DIFFTEST_KEEP is set.
func workDir(t *testing.T) string {
	t.Helper()
	if os.Getenv("DIFFTEST_KEEP") == "" {
		return t.TempDir()
	}
	dir, err := os.MkdirTemp("", "difftest-"+t.Name()+"-")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("samples and database kept in %s", dir)
	return dir
}
