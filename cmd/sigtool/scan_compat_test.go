package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// clamscanPath returns the installed clamscan. It is missing on a
// developer machine without Debian's clamav (the test skips), never under
// CI, where `make deps` installs it.
func clamscanPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("clamscan")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("clamscan not found under CI (the Makefile installs Debian's clamav): %v", err)
		}
		t.Skipf("clamscan not found: %v", err)
	}
	return p
}

// clamscanOptions parses `clamscan --help` into long option -> short.
func clamscanOptions(t *testing.T) map[string]string {
	t.Helper()
	out, _ := exec.Command(clamscanPath(t), "--help").CombinedOutput()
	re := regexp.MustCompile(`(?m)^\s{4}--([a-z0-9-]+)\S*(?:\s+-([a-zA-Z]))?`)
	opts := map[string]string{}
	for _, m := range re.FindAllStringSubmatch(string(out), -1) {
		opts[m[1]] = m[2]
	}
	if len(opts) < 50 {
		t.Fatalf("parsed only %d options from clamscan --help:\n%s", len(opts), out)
	}
	return opts
}

// TestClamscanOptionsKnown: every option the installed clamscan lists is
// a sigtool scan flag (with clamscan's short form) and has a row in the
// README's table, so a script's clamscan command line is understood, and
// an option clamscan adds shows up here.
func TestClamscanOptionsKnown(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var rows []string // the first cells of the table's rows
	for _, l := range strings.Split(string(readme), "\n") {
		if strings.HasPrefix(l, "| `--") {
			rows = append(rows, strings.Split(l, "|")[1])
		}
	}
	cmd := newScanCommand(&globalOptions{})
	cmd.InitDefaultHelpFlag()
	for long, short := range clamscanOptions(t) {
		f := cmd.Flags().Lookup(long)
		if f == nil {
			t.Errorf("clamscan's --%s is not a sigtool scan flag", long)
			continue
		}
		if f.Shorthand != short {
			t.Errorf("--%s: short form -%s, clamscan's is -%s", long, f.Shorthand, short)
		}
		if !slices.ContainsFunc(rows, func(r string) bool { return strings.Contains(r, "`--"+long+"`") }) {
			t.Errorf("README's clamscan table has no row for --%s", long)
		}
	}
}

// TestClamscanOnlyOptions: each clamscan option sigtool does not implement
// is refused, saying so, unless its value asks for what sigtool does.
func TestClamscanOnlyOptions(t *testing.T) {
	s := newScanTree(t)
	file := s.p("clean.txt")
	for _, o := range clamscanOnly {
		var refused, accepted []string
		switch {
		case o.arg != "" && slices.Contains(o.accept, "*"):
			accepted = append(accepted, "--"+o.name+"=7")
		case o.arg != "":
			refused = append(refused, "--"+o.name+"=7")
		default:
			for _, v := range []string{"yes", "no"} {
				if slices.Contains(o.accept, v) {
					accepted = append(accepted, "--"+o.name+"="+v)
				} else {
					refused = append(refused, "--"+o.name+"="+v)
				}
			}
		}
		for _, arg := range refused {
			code, _, errOut := runIn(t, nil, "scan", "-d", s.sigs, arg, file)
			said := strings.TrimSuffix(arg, "=yes") // a switch is named as it is usually given
			if code != 2 || !strings.Contains(errOut, "clamscan's "+said+" is not supported by sigtool scan yet: "+o.why) {
				t.Errorf("%s: exit %d, stderr %q; want a refusal that says why", arg, code, errOut)
			}
		}
		for _, arg := range accepted {
			if code, out, errOut := runIn(t, nil, "scan", "-d", s.sigs, "--no-summary", arg, file); code != 0 || !strings.HasSuffix(out, ": OK\n") {
				t.Errorf("%s: exit %d, stdout %q, stderr %q; want it accepted", arg, code, out, errOut)
			}
		}
	}
}

// TestCompatMatchesClamscan is the differential test of --compat: for the
// same files, signatures and flags, sigtool scan --compat prints what
// clamscan prints, apart from the lines that measure the engine (Engine
// version, Data scanned and the ratio after Data read, which counts what
// each engine reads inside files) and the clock (Time, Start and End
// Date). Verdict lines are compared as sets where a directory is walked:
// clamscan lists a directory in readdir order, sigtool sorted by name.
func TestCompatMatchesClamscan(t *testing.T) {
	clamscan := clamscanPath(t)
	s := newScanTree(t)
	tree := s.tree
	// Real files no one here wrote: ClamAV's test samples that both
	// scanners open (Debian's clamav-testfiles), and real clean mail.
	if _, err := os.Stat(testFilesDir); err == nil {
		for _, f := range []string{"clam.exe", "clam.zip", "clam.tar.gz", "clam.7z", "clam.exe.bz2"} {
			data, err := os.ReadFile(filepath.Join(testFilesDir, f))
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(tree, "samples", f), data)
		}
		line, err := hashLine(filepath.Join(testFilesDir, "clam.exe"))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(s.sigs, "clam.hsb"), []byte(strings.TrimSuffix(line, "clam.exe")+"Clam.Test.Hash-1\n"))
	} else if os.Getenv("CI") != "" {
		t.Fatalf("%s missing under CI (the Makefile installs clamav-testfiles)", testFilesDir)
	}
	letters := "../../../shared/corpus/mail/letters"
	if ents, err := os.ReadDir(letters); err == nil {
		for _, e := range ents[:min(len(ents), 20)] {
			data, _ := os.ReadFile(filepath.Join(letters, e.Name()))
			writeFile(t, filepath.Join(tree, "letters", e.Name()), data)
		}
	}
	list := filepath.Join(s.dir, "list")
	writeFile(t, list, []byte(s.p("sample-hash.bin")+"\n"+s.p("clean.txt")+"\n"+s.p("mail/clean.eml")+"\n"))
	body, _ := os.ReadFile(s.p("sample-body.bin"))

	cases := []struct {
		name  string
		args  []string
		stdin []byte
		walk  bool // a directory is walked: compare verdict lines as sets
	}{
		{"files in order", []string{s.p("sample-body.bin"), s.p("clean.txt"), s.p("archive.zip"), s.p("mail/infected-archive.eml"), s.p("empty")}, nil, false},
		{"a directory", []string{tree}, nil, true},
		{"-r", []string{"-r", tree}, nil, true},
		{"-r -z", []string{"-r", "-z", tree}, nil, true},
		{"-i", []string{"-r", "-i", tree}, nil, true},
		{"-o", []string{"-r", "-o", tree}, nil, true},
		{"--no-summary", []string{"--no-summary", "-r", tree}, nil, true},
		{"--exclude --exclude-dir", []string{"-r", "--exclude", `\.zip$`, "--exclude-dir", `letters`, tree}, nil, true},
		{"--include --include-dir", []string{"-r", "--include", `(mail|samples)/`, "--include-dir", `tree(/mail|/samples)?$`, tree}, nil, true},
		{"--max-dir-recursion", []string{"-r", "--max-dir-recursion=1", tree}, nil, true},
		{"--max-filesize with a suffix", []string{"--max-filesize=1M", "-r", tree}, nil, true},
		{"--scan-archive=no", []string{"--scan-archive=no", s.p("archive.zip"), s.p("sample-body.bin")}, nil, false},
		{"--detect-pua", []string{"--detect-pua", s.p("pua.bin")}, nil, false},
		{"-f", []string{"-f", list}, nil, false},
		{"stdin", []string{"-"}, body, false},
		{"a missing file", []string{s.p("clean.txt"), s.p("nope")}, nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"-d", s.sigs}, c.args...)
			cmd := exec.Command(clamscan, args...)
			cmd.Stdin = bytes.NewReader(c.stdin)
			var cout, cerr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &cout, &cerr
			err := cmd.Run()
			ccode := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				ccode = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			code, out, errOut := runIn(t, c.stdin, append([]string{"scan", "--compat"}, args...)...)
			if code != ccode {
				t.Errorf("exit %d, clamscan %d\nstderr: %s\nclamscan stderr: %s", code, ccode, errOut, cerr.String())
			}
			want, got := comparable(cout.String(), c.walk), comparable(out, c.walk)
			if !slices.Equal(got, want) {
				t.Errorf("output differs from clamscan's\nclamscan:\n%s\nsigtool --compat:\n%s", strings.Join(want, "\n"), strings.Join(got, "\n"))
			}
		})
	}
}

var engineLine = regexp.MustCompile(`^(Engine version|Data scanned|Time|Start Date|End Date):`)

// comparable drops the engine and clock lines, cuts the ratio off "Data
// read", and sorts the verdict lines (those before the summary) if walk.
func comparable(out string, walk bool) []string {
	var verdicts, summary []string
	inSummary := false
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		switch {
		case strings.HasPrefix(l, "----------- SCAN SUMMARY"):
			inSummary = true
		case engineLine.MatchString(l):
			continue
		case strings.HasPrefix(l, "Data read:"):
			l, _, _ = strings.Cut(l, " (ratio")
		}
		if inSummary {
			summary = append(summary, l)
		} else {
			verdicts = append(verdicts, l)
		}
	}
	if walk {
		slices.Sort(verdicts)
	}
	return append(verdicts, summary...)
}
