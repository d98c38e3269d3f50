package sigfile

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// readLines returns the lines of a test file, without line endings.
func readLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

// checkGolden compares got with path, or rewrites path under -update.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the parse; got:\n%s", path, got)
	}
}

// forEachSigFile runs fn as a subtest for each signature file in dir
// (golden files skipped) and fails when there is none.
func forEachSigFile(t *testing.T, dir string, fn func(t *testing.T, path string, kind Kind)) {
	files, _ := filepath.Glob(dir + "/*")
	n := 0
	for _, path := range files {
		if strings.HasSuffix(path, ".golden") {
			continue
		}
		kind, _, ok := KindOf(path)
		if !ok {
			t.Fatalf("%s: not a signature file", path)
		}
		n++
		t.Run(filepath.Base(path), func(t *testing.T) { fn(t, path, kind) })
	}
	if n == 0 {
		t.Fatalf("no files in %s", dir)
	}
}

// TestGoldenValid parses every line of testdata/valid/*.<kind>: each must
// parse (or be blank/comment), and the dump must match the .golden file.
func TestGoldenValid(t *testing.T) {
	forEachSigFile(t, "testdata/valid", func(t *testing.T, path string, kind Kind) {
		var b strings.Builder
		eachEntry(t, path, kind, func(no int, e Entry) {
			fmt.Fprintf(&b, "line %d: %s", no, dumpEntry(e))
			checkPatternsRoundTrip(t, e)
		})
		checkGolden(t, path+".golden", b.String())
	})
}

// eachEntry parses every line of path, reports the lines that fail, and
// calls fn with the number and entry of each signature line.
func eachEntry(t *testing.T, path string, kind Kind, fn func(no int, e Entry)) {
	t.Helper()
	for i, line := range readLines(t, path) {
		e, err := ParseLine(kind, line)
		if errors.Is(err, ErrNoSignature) {
			continue
		}
		if err != nil {
			t.Errorf("%s:%d: %v", path, i+1, err)
			continue
		}
		fn(i+1, e)
	}
}

// TestGoldenInvalid parses every line of testdata/invalid/*.<kind>: each
// line that is not blank or a comment must fail with ErrSyntax; the
// messages must match the .golden file.
func TestGoldenInvalid(t *testing.T) {
	forEachSigFile(t, "testdata/invalid", func(t *testing.T, path string, kind Kind) {
		var b strings.Builder
		for i, line := range readLines(t, path) {
			e, err := ParseLine(kind, line)
			if errors.Is(err, ErrNoSignature) {
				continue
			}
			if err == nil {
				t.Errorf("%s:%d: parsed, want an error:\n%s", path, i+1, dumpEntry(e))
				continue
			}
			if !errors.Is(err, ErrSyntax) {
				t.Errorf("%s:%d: error %v is not ErrSyntax", path, i+1, err)
			}
			fmt.Fprintf(&b, "line %d: %v\n", i+1, err)
		}
		checkGolden(t, path+".golden", b.String())
	})
}

// checkPatternsRoundTrip checks String on every pattern of an entry.
func checkPatternsRoundTrip(t *testing.T, e Entry) {
	t.Helper()
	var pats []Pattern
	if e.Body != nil {
		pats = append(pats, e.Body.Pattern)
	}
	if e.Logical != nil {
		for _, s := range e.Logical.Subs {
			if s.Kind == SubBody {
				pats = append(pats, s.Pattern)
			}
		}
		if e.Skip == "" {
			checkExprRoundTrip(t, e.Logical.Expr)
		}
	}
	for _, p := range pats {
		if len(p.Parts) > 0 {
			checkRoundTrip(t, p)
		}
	}
}
