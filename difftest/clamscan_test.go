package difftest

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// clamscanPath returns the reference scanner. A missing reference skips the
// test on a developer machine but fails it under CI, where `make deps`
// installs it: a green CI run must mean the comparison really happened.
func clamscanPath(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("clamscan")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("clamscan not found under CI (install the Debian package clamav): %v", err)
		}
		t.Skipf("clamscan not found: %v", err)
	}
	return p
}

// unofficial is what clamscan appends to names of signatures that do not
// come from a signed official database; ours never add it.
const unofficial = ".UNOFFICIAL"

// verdicts maps a scanned path to the sorted set of signature names found
// in it (nil for a clean file).
type verdicts map[string][]string

// runClamscan scans files with databases db (a file or directory) in one
// clamscan run and returns the verdict of every file. --allmatch makes
// clamscan report every signature, not only the first, so sets compare.
func runClamscan(t testing.TB, db string, files []string, extra ...string) verdicts {
	t.Helper()
	args := append([]string{"--no-summary", "--allmatch", "-d", db}, extra...)
	args = append(args, "--")
	args = append(args, files...)
	cmd := exec.Command(clamscanPath(t), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	// Exit 1 means "something found"; 2 means an error (a database line
	// ClamAV refused, an unreadable file), which would void the comparison.
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
		t.Fatalf("clamscan %v: %v\nstderr:\n%s\nstdout:\n%s", args[:4], err, stderr.String(), stdout.String())
	}
	v, err := parseClamscan(stdout.Bytes())
	if err != nil {
		t.Fatalf("clamscan output: %v\n%s", err, stdout.String())
	}
	for _, f := range files {
		if _, ok := v[f]; !ok {
			t.Fatalf("clamscan printed no verdict for %s\nstderr:\n%s", f, stderr.String())
		}
	}
	return v
}

// parseClamscan reads clamscan's per-file lines: "PATH: OK",
// "PATH: NAME FOUND" (several with --allmatch), "PATH: Empty file".
// Any ERROR line is an error: the comparison needs every file scanned.
func parseClamscan(out []byte) (verdicts, error) {
	v := verdicts{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		i := strings.LastIndex(line, ": ")
		if i < 0 {
			continue // LibClamAV notices and the like
		}
		path, what := line[:i], line[i+2:]
		switch {
		case what == "OK" || what == "Empty file":
			if _, ok := v[path]; !ok {
				v[path] = nil
			}
		case strings.HasSuffix(what, " FOUND"):
			name := strings.TrimSuffix(strings.TrimSuffix(what, " FOUND"), unofficial)
			v[path] = append(v[path], name)
		case strings.HasSuffix(what, " ERROR"):
			return nil, errors.New(line)
		}
	}
	for p, names := range v {
		slices.Sort(names)
		v[p] = slices.Compact(names)
	}
	return v, sc.Err()
}

func TestParseClamscan(t *testing.T) {
	out := "/a: OK\n/b: X.UNOFFICIAL FOUND\n/b: A FOUND\n/b: X.UNOFFICIAL FOUND\n/c: Empty file\nLibClamAV Warning: x\n"
	v, err := parseClamscan([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	want := verdicts{"/a": nil, "/b": {"A", "X"}, "/c": nil}
	if len(v) != len(want) {
		t.Fatalf("got %v, want %v", v, want)
	}
	for p, w := range want {
		if g, ok := v[p]; !ok || !slices.Equal(g, w) {
			t.Errorf("%s: got %v, want %v", p, g, w)
		}
	}
	if _, err := parseClamscan([]byte("/d: Can't read ERROR\n")); err == nil {
		t.Error("an ERROR line was accepted")
	}
}
