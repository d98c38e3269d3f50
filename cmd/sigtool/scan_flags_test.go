package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// scanTree is the fixture of the flag tests: the sample files, an empty
// file, a link, a subdirectory and the sample mails, beside the sample
// signatures and a PUA signature.
//
//	tree/clean.txt tree/sample-body.bin tree/sample-hash.bin tree/archive.zip
//	tree/empty tree/link -> sample-body.bin tree/pua.bin
//	tree/sub/deep.bin (infected) tree/sub/sub2/deeper.bin (infected)
//	tree/mail/*.eml
type scanTree struct {
	dir, tree, sigs string
}

func newScanTree(t *testing.T) scanTree {
	t.Helper()
	dir := t.TempDir()
	st := scanTree{dir: dir, tree: filepath.Join(dir, "tree"), sigs: filepath.Join(dir, "sigs")}
	copyDir(t, filepath.Join(runData, "files"), st.tree)
	copyDir(t, filepath.Join(runData, "mail"), filepath.Join(st.tree, "mail"))
	copyDir(t, filepath.Join(runData, "signatures"), st.sigs)
	body, err := os.ReadFile(filepath.Join(runData, "files", "sample-body.bin"))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"empty": nil, "pua.bin": []byte("harmless SIGTOOL-PUA-MARKER here"),
		"sub/deep.bin": body, "sub/sub2/deeper.bin": body,
	} {
		writeFile(t, filepath.Join(st.tree, name), data)
	}
	writeFile(t, filepath.Join(st.sigs, "pua.ndu"), []byte("Sigtool.Sample.PUA-1:0:*:"+hexOf("SIGTOOL-PUA-MARKER")+"\n"))
	if err := os.Symlink("sample-body.bin", filepath.Join(st.tree, "link")); err != nil {
		t.Fatal(err)
	}
	return st
}

func (s scanTree) p(name string) string { return filepath.Join(s.tree, name) }

func hexOf(s string) string {
	const digits = "0123456789abcdef"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteByte(digits[s[i]>>4])
		b.WriteByte(digits[s[i]&15])
	}
	return b.String()
}

func writeFile(t *testing.T, p string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	ents, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		data, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(to, e.Name()), data)
	}
}

// runIn runs sigtool with stdin and returns exit status, stdout, stderr.
func runIn(t *testing.T, stdin []byte, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := newRootCommand()
	cmd.SetArgs(args)
	cmd.SetIn(bytes.NewReader(stdin))
	cmd.SetOut(&stdout)
	cmd.SetErr(&stderr)
	err := cmd.ExecuteContext(context.Background())
	// The message exitCode prints on the process's stderr, here too.
	var ec *exitCodeError
	switch {
	case errors.As(err, &ec):
		if ec.err != nil {
			fmt.Fprintln(&stderr, "sigtool:", ec.err)
		}
	case err != nil && !errors.Is(err, errFound):
		fmt.Fprintln(&stderr, "sigtool:", err)
	}
	return exitCode(err), stdout.String(), stderr.String()
}

// TestScanClamscanFlags: one case (at least) per clamscan flag sigtool
// scan accepts, each checking the flag's clamscan meaning.
func TestScanClamscanFlags(t *testing.T) {
	s := newScanTree(t)
	db := filepath.Join(s.dir, "absent", "never.db") // -d runs must not create the store
	d := []string{"--db", db, "scan", "-d", s.sigs}
	list := filepath.Join(s.dir, "list.txt")
	writeFile(t, list, []byte(s.p("clean.txt")+"\n\n"+s.p("sample-hash.bin")+"\r\n"))
	logFile := filepath.Join(s.dir, "scan.log")

	type tc struct {
		name       string
		args       []string
		stdin      string
		code       int
		out, noOut []string // lines (regexps) on stdout that must / must not be there
		errOut     []string
	}
	tests := []tc{
		{name: "summary is the default, with dates and Data read", args: []string{s.p("clean.txt")},
			out: []string{`^----------- SCAN SUMMARY -----------$`, `^Known viruses: 4$`, `^Scanned directories: 0$`, `^Scanned files: 1$`,
				`^Infected files: 0$`, `^Data scanned: 0\.00 MB$`, `^Data read: 0\.00 MB \(ratio 0\.00:1\)$`,
				`^Time: \d+\.\d{3} sec \(0 m \d+ s\)$`, `^Start Date: \d{4}:\d\d:\d\d \d\d:\d\d:\d\d$`, `^End Date:   \d{4}:`}},
		{name: "--no-summary", args: []string{"--no-summary", s.p("clean.txt")},
			out: []string{`clean.txt: OK$`}, noOut: []string{`SCAN SUMMARY`, `Known viruses`}},
		{name: "-i prints only infected files", args: []string{"-i", s.tree}, code: 1,
			out:   []string{`sample-body.bin: Sigtool.Sample.Body-1 FOUND$`, `^Infected files: 4$`},
			noOut: []string{`: OK$`, `Empty file`, `Symbolic link`}},
		{name: "--infected", args: []string{"--infected", "--no-summary", s.p("clean.txt")}, out: nil, noOut: []string{`OK`}},
		{name: "-o skips only OK lines", args: []string{"-o", s.tree}, code: 1,
			out: []string{`empty: Empty file$`, `link: Symbolic link$`, `FOUND$`}, noOut: []string{`: OK$`}},
		{name: "--quiet prints nothing", args: []string{"--quiet", s.tree}, code: 1, noOut: []string{`.`}},
		{name: "--stdout sends warnings to stdout", args: []string{"--stdout", "-f", list, s.p("clean.txt")}, code: 1,
			out: []string{`^WARNING: Only scanning files from --file-list`}},
		{name: "warnings go to stderr without --stdout", args: []string{"-f", list, s.p("sample-body.bin")}, code: 1,
			noOut: []string{`WARNING`, `sample-body`}, errOut: []string{`WARNING: Only scanning files from --file-list`}},
		{name: "-f scans the listed files", args: []string{"-f", list, "--no-summary"}, code: 1,
			out: []string{`clean.txt: OK$`, `sample-hash.bin: Sigtool.Sample.Hash-1 FOUND$`}},
		{name: "--file-list", args: []string{"--file-list=" + list, "-i"}, code: 1, out: []string{`^Scanned files: 2$`}},
		{name: "--bell", args: []string{"--bell", s.p("sample-body.bin")}, code: 1, errOut: []string{"\a"}},
		{name: "-v", args: []string{"-v", "--no-summary", s.p("clean.txt")}, out: []string{`^Scanning .*clean.txt$`, `clean.txt: OK`}},
		{name: "without -r a directory's own files only", args: []string{s.tree}, code: 1,
			out: []string{`^Scanned directories: 1$`}, noOut: []string{`deep.bin`, `mail/`}},
		{name: "-r", args: []string{"-r", s.tree}, code: 1,
			out: []string{`sub/deep.bin: Sigtool.Sample.Body-1 FOUND`, `sub/sub2/deeper.bin: Sigtool`, `^Scanned directories: 4$`}},
		{name: "--recursive=no", args: []string{"--recursive=no", s.tree}, code: 1, noOut: []string{`deep.bin`}},
		{name: "--max-dir-recursion", args: []string{"-r", "--max-dir-recursion=2", s.tree}, code: 1,
			out: []string{`sub/deep.bin: `}, noOut: []string{`deeper.bin`}},
		{name: "--cross-fs=no on one file system", args: []string{"-r", "--cross-fs=no", "--no-summary", s.p("sub")}, code: 1,
			out: []string{`deeper.bin: Sigtool.Sample.Body-1 FOUND`}},
		{name: "--exclude", args: []string{"--exclude", `\.(bin|zip|dat)$`, s.tree},
			out: []string{`sample-body.bin: Excluded$`, `pua.bin: Excluded$`, `clean.txt: OK$`}, noOut: []string{`FOUND`}},
		{name: "--exclude-dir", args: []string{"-r", "--exclude-dir", `/sub$`, "--exclude-dir=mail", s.tree}, code: 1,
			out: []string{`tree/sub: Excluded$`, `tree/mail: Excluded$`}, noOut: []string{`deep.bin`}},
		{name: "--include", args: []string{"--include", `hash`, s.tree}, code: 1,
			out: []string{`sample-hash.bin: Sigtool.Sample.Hash-1 FOUND$`, `clean.txt: Excluded$`}},
		{name: "--include-dir", args: []string{"-r", "--include-dir", `tree(/sub)?$`, s.tree}, code: 1,
			out: []string{`sub/deep.bin: Sigtool`, `sub/sub2: Excluded$`, `mail: Excluded$`}},
		{name: "--follow-file-symlinks=0", args: []string{"--follow-file-symlinks=0", "--follow-dir-symlinks=0", s.p("link")},
			out: []string{`link: Symbolic link$`}},
		{name: "a link argument is followed by default", args: []string{s.p("link")}, code: 1,
			out: []string{`link: Sigtool.Sample.Body-1 FOUND$`}},
		{name: "--follow-file-symlinks=2 follows links in a walk", args: []string{"--follow-file-symlinks=2", s.tree}, code: 1,
			out: []string{`tree/link: Sigtool.Sample.Body-1 FOUND$`}},
		{name: "--follow-dir-symlinks=2 is refused", args: []string{"--follow-dir-symlinks=2", s.tree}, code: 2,
			errOut: []string{`--follow-dir-symlinks=2 is not supported by sigtool scan yet`}},
		{name: "- scans stdin", args: []string{"-", "--no-summary"}, stdin: "xx SIGTOOL-TEST-BODY-SIGNATURE xx", code: 1,
			out: []string{`^stdin: Sigtool.Sample.Body-1 FOUND$`}},
		{name: "clean stdin", args: []string{"-"}, stdin: "nothing", out: []string{`^stdin: OK$`, `^Scanned files: 1$`}},
		{name: "size suffixes", args: []string{"--max-filesize=1K", "--max-scansize=1M", "--no-summary", s.p("clean.txt")},
			out: []string{`clean.txt: OK$`}},
		{name: "a file over --max-filesize is an error, never OK", args: []string{"--max-filesize", "10", s.p("clean.txt")}, code: 2,
			out: []string{`clean.txt: .* ERROR$`, `^Total errors: 1$`}, noOut: []string{`OK$`}},
		{name: "a bad size", args: []string{"--max-filesize=10x", s.p("clean.txt")}, code: 2,
			errOut: []string{`invalid argument "10x" for "--max-filesize"`, `K, M or G suffix`}},
		{name: "--max-scriptnormalize with a suffix", args: []string{"--max-scriptnormalize=1M", "--no-summary", s.p("clean.txt")},
			out: []string{`clean.txt: OK$`}},
		{name: "--max-files", args: []string{"--max-files=1", "--no-summary", s.p("archive.zip")}, code: 2, out: []string{`archive.zip: .*ERROR$`}},
		{name: "--max-recursion", args: []string{"--max-recursion=1", "--no-summary", s.p("mail/infected-archive.eml")}, code: 2,
			out: []string{`infected-archive.eml: .*ERROR$`}},
		{name: "--alert-exceeds-max", args: []string{"--max-filesize=10", "--alert-exceeds-max", s.p("clean.txt")}, code: 1,
			out: []string{`clean.txt: Heuristics.Limits.Exceeded.MaxFileSize FOUND$`}},
		{name: "-z", args: []string{"-z", "--no-summary", s.p("sample-body.bin")}, code: 1,
			out: []string{`Body-1 FOUND$`, `Wild-1 FOUND$`, `Logical-1 FOUND$`}},
		{name: "--allmatch=no", args: []string{"--allmatch=no", "--no-summary", s.p("sample-body.bin")}, code: 1,
			out: []string{`Body-1 FOUND$`}, noOut: []string{`Wild-1`}},
		{name: "without --detect-pua PUA signatures are not loaded", args: []string{s.p("pua.bin")}, out: []string{`pua.bin: OK$`, `^Known viruses: 4$`}},
		{name: "--detect-pua", args: []string{"--detect-pua", s.p("pua.bin")}, code: 1,
			out: []string{`pua.bin: Sigtool.Sample.PUA-1 FOUND$`, `^Known viruses: 5$`}},
		{name: "--detect-pua=yes", args: []string{"--detect-pua=yes", s.p("pua.bin")}, code: 1, out: []string{`PUA-1 FOUND$`}},
		{name: "--scan-archive=no", args: []string{"--scan-archive=no", "--no-summary", s.p("archive.zip")}, out: []string{`archive.zip: OK$`}},
		{name: "--scan-archive=yes", args: []string{"--scan-archive=yes", "--no-summary", s.p("archive.zip")}, code: 1, out: []string{`FOUND$`}},
		{name: "--scan-mail=no", args: []string{"--scan-mail=no", "--no-summary", s.p("mail/infected-attachment.eml")},
			out: []string{`infected-attachment.eml: OK$`}},
		{name: "-l appends the report to a file", args: []string{"-l", logFile, s.tree}, code: 1, out: []string{`clean.txt: OK$`}},
		{name: "--compat", args: []string{"--compat", "-z", "--no-summary", s.p("archive.zip")}, code: 1,
			out: []string{`archive.zip: Sigtool.Sample.Body-1.UNOFFICIAL FOUND$`}, noOut: []string{`!`}},
		{name: "--compat missing file", args: []string{"--compat", "--no-summary", s.p("nope")}, code: 2,
			errOut: []string{`WARNING: .*nope: Can't access file`}},
		{name: "-V", args: []string{"-V"}, out: []string{`^sigtool \S+$`}},
		{name: "--version", args: []string{"--version"}, out: []string{`^sigtool \S+$`}},
		{name: "--tempdir is accepted: nothing is written there", args: []string{"--tempdir", s.dir, "--no-summary", s.p("clean.txt")},
			out: []string{`OK$`}},
		{name: "--remove is refused", args: []string{"--remove", s.p("sample-body.bin")}, code: 2,
			errOut: []string{`clamscan's --remove is not supported by sigtool scan yet: `}},
		{name: "--remove=no is what sigtool does", args: []string{"--remove=no", s.p("sample-body.bin")}, code: 1},
		{name: "--move=DIR is refused", args: []string{"--move=" + s.dir, s.p("sample-body.bin")}, code: 2,
			errOut: []string{`clamscan's --move=.* is not supported by sigtool scan yet`}},
		{name: "--scan-pe=no is refused", args: []string{"--scan-pe=no", s.p("clean.txt")}, code: 2,
			errOut: []string{`clamscan's --scan-pe=no is not supported`}},
		{name: "-a is refused", args: []string{"-a", s.p("clean.txt")}, code: 2,
			errOut: []string{`clamscan's --archive-verbose is not supported`}},
		{name: "nothing to scan", args: []string{}, code: 2, errOut: []string{`nothing to scan`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runIn(t, []byte(tt.stdin), append(d, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errOut)
			}
			for _, re := range tt.out {
				if !regexp.MustCompile(`(?m)` + re).MatchString(out) {
					t.Errorf("stdout lacks /%s/:\n%s", re, out)
				}
			}
			for _, re := range tt.noOut {
				if regexp.MustCompile(`(?m)` + re).MatchString(out) {
					t.Errorf("stdout has /%s/:\n%s", re, out)
				}
			}
			for _, want := range tt.errOut {
				if !regexp.MustCompile(want).MatchString(errOut) {
					t.Errorf("stderr lacks /%s/:\n%s", want, errOut)
				}
			}
		})
	}
	if _, err := os.Stat(filepath.Dir(db)); !os.IsNotExist(err) {
		t.Errorf("scan -d touched the store location: %v", err)
	}

	// -l: clamscan's log: a separator per run, verdicts and summary, but
	// not the OK lines; a second run appends.
	runIn(t, nil, append(d, "-l", logFile, "--no-summary", s.p("sample-hash.bin"))...)
	log, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, re := range []string{`(?m)^-{79}$`, `sample-body.bin: Sigtool.Sample.Body-1 FOUND`, `SCAN SUMMARY`, `sample-hash.bin: Sigtool.Sample.Hash-1 FOUND`} {
		if !regexp.MustCompile(re).Match(log) {
			t.Errorf("log lacks /%s/:\n%s", re, log)
		}
	}
	if n := strings.Count(string(log), strings.Repeat("-", 79)); n != 2 {
		t.Errorf("log has %d run separators, want 2", n)
	}
	if bytes.Contains(log, []byte(": OK")) {
		t.Errorf("log has OK lines (clamscan logs none):\n%s", log)
	}
}

// TestScanStoreFlags: the flags about where signatures come from, on a
// store holding an official feed (test-6.cvd, imported as "daily") and
// the plain sample files.
func TestScanStoreFlags(t *testing.T) {
	s := newScanTree(t)
	db := filepath.Join(s.dir, "s.db")
	if code, _, errOut := run(t, "--db", db, "import", "--feed", "daily", filepath.Join(feedsDir, "test-6.cvd")); code != 0 {
		t.Fatalf("import: %s", errOut)
	}
	sigs, _ := filepath.Glob(filepath.Join(s.sigs, "sample.*"))
	if code, _, errOut := run(t, append([]string{"--db", db, "import", "--feed", "sample"}, sigs...)...); code != 0 {
		t.Fatalf("import: %s", errOut)
	}
	bad := filepath.Join(s.dir, "bad.ndb")
	writeFile(t, bad, []byte("Good.Sig-1:0:*:0102030405060708090a\nBad.Sig-2:0:*:zz11\n"))
	body := s.p("sample-body.bin")
	tests := []struct {
		name        string
		args        []string
		code        int
		out, errOut string // regexps
	}{
		{"-V names the daily feed's version and build time", []string{"-V"}, 0, `(?m)^sigtool \S+/6/\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d 2021$`, ""},
		{"the store's signatures", []string{body}, 1, `Sigtool.Sample.Body-1 FOUND`, ""},
		{"--compat marks the unofficial ones", []string{"--compat", body}, 1, `Sigtool.Sample.Body-1.UNOFFICIAL FOUND`, ""},
		{"--official-db-only", []string{"--official-db-only", body}, 0, `(?m)sample-body.bin: OK$`, ""},
		{"--fail-if-cvd-older-than", []string{"--fail-if-cvd-older-than=30", body}, 2, `^$`, `Virus database is older than 30 days!`},
		{"--fail-if-cvd-older-than with no container", []string{"-d", s.sigs, "--fail-if-cvd-older-than=30", body}, 2, `^$`, `older than 30 days! .*no feed comes from a container`},
		{"-d takes a container", []string{"-d", filepath.Join(feedsDir, "test-6.cvd"), "--no-summary", body}, 0, `(?m)sample-body.bin: OK$`, ""},
		{"-d refuses a bad line, naming it", []string{"-d", bad, body}, 2, `^$`, `bad.ndb:2`},
		{"-d of a missing file", []string{"-d", filepath.Join(s.dir, "none.ndb"), body}, 2, `^$`, `none.ndb`},
		{"--json reports skipped entries", []string{"--json", s.p("empty")}, 0, `^\{"path":".*empty","status":"skipped","signatures":\[\],"skipped":"Empty file"\}\n$`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runIn(t, nil, append([]string{"--db", db, "scan"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s\n%s", code, tt.code, out, errOut)
			}
			if !regexp.MustCompile(tt.out).MatchString(out) {
				t.Errorf("stdout lacks /%s/:\n%s", tt.out, out)
			}
			if !regexp.MustCompile(tt.errOut).MatchString(errOut) {
				t.Errorf("stderr lacks /%s/:\n%s", tt.errOut, errOut)
			}
		})
	}
}
