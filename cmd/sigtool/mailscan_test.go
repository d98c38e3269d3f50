package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sigtool/sigtool/filetype"
	"github.com/sigtool/sigtool/internal/buildinfo"
	"github.com/sigtool/sigtool/mailscan"
	"github.com/sigtool/sigtool/matcher"
	"github.com/sigtool/sigtool/quarantine"
	"github.com/sigtool/sigtool/scan"
)

// The mail messages these tests feed are mailscan's golden inputs.
const mailGolden = "../../mailscan/testdata/golden"

func golden(t testing.TB, name string) []byte {
	t.Helper()
	return mustRead(t, filepath.Join(mailGolden, name+".eml"))
}

// markerDetector stands in for the signature matcher: it reports
// Test.Marker.A for bytes containing "MARKER-A" and fails on "DETECT-FAIL".
type markerDetector struct{}

func (d markerDetector) Match(ctx context.Context, r io.ReaderAt, size int64, _ filetype.Info) (matcher.Result, error) {
	names, err := d.Detect(ctx, r, size)
	return matcher.Result{Names: names}, err
}

func (markerDetector) Detect(ctx context.Context, r io.ReaderAt, size int64) ([]string, error) {
	data := make([]byte, size)
	n, err := r.ReadAt(data, 0)
	if err != nil && err != io.EOF {
		return nil, err
	}
	var sigs []string
	if bytes.Contains(data[:n], []byte("MARKER-A")) {
		sigs = append(sigs, "Test.Marker.A")
	}
	if bytes.Contains(data[:n], []byte("DETECT-FAIL")) {
		return sigs, errors.New("detector failure")
	}
	return sigs, nil
}

// mailScanner returns a policy scanner on the marker detector with a fresh
// quarantine (none when noStore).
func mailScanner(t testing.TB, noStore bool) *mailscan.Scanner {
	t.Helper()
	p := mailscan.DefaultPolicy()
	p.Gateway = "gw.test"
	var q *quarantine.Store
	if !noStore {
		var err error
		if q, err = quarantine.Open(filepath.Join(t.TempDir(), "quarantine.db")); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { q.Close() })
	}
	return mailscan.NewScanner(scan.New(markerDetector{}, scan.DefaultOptions()), p, q)
}

// delivered is body as the test scanner delivers it: with the header
// fields of a scanned message on top, status the X-Virus-Status value.
func delivered(body []byte, status string) []byte {
	return mailscan.AddFields(body, []mailscan.HeaderField{
		{Name: "X-Virus-Scanned", Value: "sigtool " + buildinfo.Version() + " at gw.test"},
		{Name: "X-Virus-Status", Value: status},
	})
}

// runMail runs scanMail and returns the exit status the command would give.
func runMail(s *mailscan.Scanner, o mailscanOptions, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return exitCode(mailExit(scanMail(context.Background(), s, o, args, stdin, stdout, stderr)))
}

// mkInputs lays out one of each input kind and returns the paths.
func mkInputs(t *testing.T) (eml, mbox, maildir string) {
	dir := t.TempDir()
	eml = filepath.Join(dir, "single.eml")
	os.WriteFile(eml, golden(t, "attachment-7bit-lf"), 0o644)
	mbox = filepath.Join(dir, "box.mbox")
	var b bytes.Buffer
	for _, n := range []string{"text-body-not-scanned", "cleanable-zip", "partial"} {
		b.WriteString("From alice@example.org Fri Mar  1 10:00:00 2024\n")
		b.Write(golden(t, n))
		b.WriteString("\n")
	}
	os.WriteFile(mbox, b.Bytes(), 0o644)
	maildir = filepath.Join(dir, "Maildir")
	for _, sub := range []string{"cur", "new", "tmp"} {
		os.MkdirAll(filepath.Join(maildir, sub), 0o755)
	}
	os.WriteFile(filepath.Join(maildir, "cur", "1.host:2,S"), golden(t, "text-body-not-scanned"), 0o644)
	os.WriteFile(filepath.Join(maildir, "new", "2.host"), golden(t, "no-text-body"), 0o644)
	os.WriteFile(filepath.Join(maildir, "tmp", "3.host"), []byte("in delivery"), 0o644)
	return
}

func TestRunFiles(t *testing.T) {
	eml, mbox, maildir := mkInputs(t)
	out := t.TempDir()
	s := mailScanner(t, false)
	var stdout, stderr bytes.Buffer
	code := runMail(s, mailscanOptions{out: out, json: true}, []string{eml, mbox, maildir}, nil, &stdout, &stderr)
	if code != exitFound {
		t.Fatalf("exit %d, stderr %s", code, &stderr)
	}
	got := map[string]mailscan.Action{}
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		var v mailVerdict
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("bad JSON line %q: %v", sc.Text(), err)
		}
		if v.Findings == nil || v.Reasons == nil {
			t.Errorf("%s: findings and reasons must be arrays", sc.Text())
		}
		got[filepath.Base(v.Path)] = v.Action
	}
	want := map[string]mailscan.Action{
		"single.eml": mailscan.Rewrite, "box.mbox#1": mailscan.Deliver, "box.mbox#2": mailscan.Rewrite, "box.mbox#3": mailscan.Delete,
		"1.host:2,S": mailscan.Deliver, "2.host": mailscan.Rewrite,
	}
	if len(got) != len(want) {
		t.Fatalf("verdicts %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s, want %s", k, got[k], v)
		}
	}
	entries, _ := os.ReadDir(out)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	// The deleted mbox message writes nothing; tmp/ of the Maildir is skipped.
	if strings.Join(names, " ") != "1.host:2,S 2.host box.mbox.1 box.mbox.2 single.eml" {
		t.Fatalf("out dir holds %v", names)
	}
	// An mbox message is written as a one-message mbox: its From line,
	// the message, the blank line that ended it.
	const from = "From alice@example.org Fri Mar  1 10:00:00 2024\n"
	if b, want := mustRead(t, filepath.Join(out, "box.mbox.1")), from+string(delivered(golden(t, "text-body-not-scanned"), "Clean"))+"\n"; string(b) != want {
		t.Errorf("clean mbox message written as\n%s\nwant\n%s", b, want)
	}
	if b, want := mustRead(t, filepath.Join(out, "box.mbox.2")), from+string(delivered(mustRead(t, filepath.Join(mailGolden, "cleanable-zip.out")), "Infected (Test.Marker.A)"))+"\n"; string(b) != want {
		t.Errorf("rewritten mbox message written as\n%s\nwant\n%s", b, want)
	}
	if b := mustRead(t, filepath.Join(out, "single.eml")); !bytes.Equal(b, delivered(mustRead(t, filepath.Join(mailGolden, "attachment-7bit-lf.out")), "Infected (Test.Marker.A)")) {
		t.Error("rewritten message differs from its golden output")
	}
}

func mustRead(t testing.TB, p string) []byte {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRunVerdictLinesAndCodes(t *testing.T) {
	dir := t.TempDir()
	clean := filepath.Join(dir, "clean.eml")
	os.WriteFile(clean, golden(t, "text-body-not-scanned"), 0o644)
	infected := filepath.Join(dir, "bad.eml")
	os.WriteFile(infected, golden(t, "attachment-7bit-lf"), 0o644)
	s := mailScanner(t, false)
	run := func(opts mailscanOptions, in ...string) (int, string, string) {
		var o, e bytes.Buffer
		code := runMail(s, opts, in, nil, &o, &e)
		return code, o.String(), e.String()
	}
	if code, out, _ := run(mailscanOptions{}, clean); code != exitOK || out != clean+": deliver\n" {
		t.Errorf("clean: %d %q", code, out)
	}
	code, out, _ := run(mailscanOptions{}, clean, infected)
	if code != exitFound || !strings.Contains(out, infected+": rewrite: Test.Marker.A in invoice.exe removed (quarantine ") {
		t.Errorf("infected: %d %q", code, out)
	}
	if code, _, errs := run(mailscanOptions{}, filepath.Join(dir, "missing.eml"), clean); code != exitError || !strings.Contains(errs, "missing.eml") {
		t.Errorf("missing input: %d %q", code, errs)
	}
	if code, _, _ := run(mailscanOptions{}); code != exitError {
		t.Errorf("no input: %d", code)
	}
	// Two inputs with one output name: the second must not overwrite.
	other := filepath.Join(t.TempDir(), "clean.eml")
	os.WriteFile(other, []byte("To: x@example.edu\n\nsecond\n"), 0o644)
	outDir := t.TempDir()
	if code, _, errs := run(mailscanOptions{out: outDir}, clean, other); code != exitError || !strings.Contains(errs, "output name") {
		t.Errorf("name clash: %d %q", code, errs)
	}
	if b, _ := os.ReadFile(filepath.Join(outDir, "clean.eml")); !bytes.Equal(b, delivered(golden(t, "text-body-not-scanned"), "Clean")) {
		t.Error("first message overwritten")
	}
	if code, _, _ := run(mailscanOptions{out: filepath.Join(dir, "no-such-dir")}, clean); code != exitError {
		t.Errorf("missing out dir: %d", code)
	}
}

// runStdin runs the pipe filter with s and returns its exit status.
func runStdin(s *mailscan.Scanner, o mailscanOptions, stdin io.Reader, stdout, stderr io.Writer) int {
	if o.onDelete == "" {
		o.onDelete = "discard"
	}
	err := filterStdin(context.Background(), s.Process, o, stdin, stdout, stderr)
	if err != nil {
		fmt.Fprintln(stderr, err)
	}
	return exitCode(err)
}

// TestRunStdin: the pipe filter's sysexits statuses, what it writes for
// each, and that an error writes nothing.
func TestRunStdin(t *testing.T) {
	good := mailScanner(t, false)
	noStore := mailScanner(t, true) // cannot keep what it removes: every removal is an error
	rewritten := delivered(mustRead(t, filepath.Join(mailGolden, "attachment-7bit-lf.out")), "Infected (Test.Marker.A)")
	tests := []struct {
		name     string
		s        *mailscan.Scanner
		onDelete string
		in       io.Reader
		stdout   io.Writer
		code     int
		wantOut  []byte
		stderrRe string
	}{
		{"deliver: EX_OK", good, "", bytes.NewReader(golden(t, "text-body-not-scanned")), nil, 0, delivered(golden(t, "text-body-not-scanned"), "Clean"), "-: deliver"},
		{"rewrite: EX_OK", good, "", bytes.NewReader(golden(t, "attachment-7bit-lf")), nil, 0, rewritten, "-: rewrite"},
		{"delete: EX_OK, nothing written", good, "", bytes.NewReader(golden(t, "partial")), nil, 0, nil, "-: delete"},
		{"delete with --on-delete=bounce: EX_UNAVAILABLE", good, "bounce", bytes.NewReader(golden(t, "partial")), nil, 69, nil, "deleted by the gateway policy: -: delete: Policy.Partial"},
		{"not handled: EX_TEMPFAIL", noStore, "", bytes.NewReader(golden(t, "attachment-7bit-lf")), nil, exitTempFail, nil, "-: error"},
		{"read error: EX_TEMPFAIL", good, "", io.MultiReader(strings.NewReader("To: x\n"), errReader{}), nil, exitTempFail, nil, "reading stdin"},
		{"write error: EX_TEMPFAIL", good, "", bytes.NewReader(golden(t, "text-body-not-scanned")), &failWriter{n: 10}, exitTempFail, nil, "writing stdout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			w := tt.stdout
			if w == nil {
				w = &stdout
			}
			code := runStdin(tt.s, mailscanOptions{onDelete: tt.onDelete}, tt.in, w, &stderr)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tt.code, &stderr)
			}
			if !bytes.Equal(stdout.Bytes(), tt.wantOut) {
				t.Fatalf("stdout:\n%s\nwant:\n%s", stdout.Bytes(), tt.wantOut)
			}
			if !strings.Contains(stderr.String(), tt.stderrRe) {
				t.Fatalf("stderr %q lacks %q", &stderr, tt.stderrRe)
			}
		})
	}
	// Usage errors are temporary failures too: the MTA keeps the mail
	// until its configuration is fixed.
	for _, args := range [][]string{
		{"mailscan", "--daemon", "none", "--out", t.TempDir(), "-"},
		{"mailscan", "--daemon", "none", "-", "other.eml"},
		{"mailscan", "--daemon", "none", "--on-delete", "keep", "-"},
		{"mailscan", "--daemon", "none", "--sendmail", "/usr/sbin/sendmail", "-"},
	} {
		if code, out, _ := runIn(t, golden(t, "partial"), args...); code != exitTempFail || out != "" {
			t.Errorf("%v: exit %d, stdout %q; want 75 and nothing", args, code, out)
		}
	}
}

// TestRunStdinSendmail: with --sendmail the result goes to sendmail as
// Postfix's simple content filter does it (-G -i -f SENDER -- RCPT...),
// a deleted message goes nowhere, and sendmail's failure is passed on.
func TestRunStdinSendmail(t *testing.T) {
	good := mailScanner(t, false)
	dir := t.TempDir()
	fake := filepath.Join(dir, "sendmail")
	// The fake sendmail keeps its arguments and input, and exits with
	// the status in $dir/status.
	os.WriteFile(fake, []byte("#!/bin/sh\nprintf '%s\\n' \"$@\" > "+dir+"/args\ncat > "+dir+"/msg\nexit $(cat "+dir+"/status)\n"), 0o755)
	send := func(status string, in []byte) (int, string) {
		os.WriteFile(filepath.Join(dir, "status"), []byte(status), 0o644)
		os.Remove(filepath.Join(dir, "msg"))
		var stdout, stderr bytes.Buffer
		o := mailscanOptions{sendmail: fake, from: "sender@example.org", recipients: []string{"a@example.edu", "b@example.edu"}}
		code := runStdin(good, o, bytes.NewReader(in), &stdout, &stderr)
		if stdout.Len() > 0 {
			t.Errorf("--sendmail wrote to stdout: %q", stdout.String())
		}
		return code, stderr.String()
	}
	if code, errs := send("0", golden(t, "attachment-7bit-lf")); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if args := string(mustRead(t, filepath.Join(dir, "args"))); args != "-G\n-i\n-f\nsender@example.org\n--\na@example.edu\nb@example.edu\n" {
		t.Errorf("sendmail arguments:\n%s", args)
	}
	if got, want := mustRead(t, filepath.Join(dir, "msg")), delivered(mustRead(t, filepath.Join(mailGolden, "attachment-7bit-lf.out")), "Infected (Test.Marker.A)"); !bytes.Equal(got, want) {
		t.Errorf("sendmail got:\n%s\nwant the rewritten message", got)
	}
	if code, _ := send("0", golden(t, "partial")); code != 0 {
		t.Errorf("deleted: exit %d", code)
	} else if _, err := os.Stat(filepath.Join(dir, "msg")); !os.IsNotExist(err) {
		t.Errorf("a deleted message was handed to sendmail")
	}
	for status, want := range map[string]int{"75": 75, "67": 67, "1": exitTempFail} {
		if code, errs := send(status, golden(t, "text-body-not-scanned")); code != want || !strings.Contains(errs, "handing the message to "+fake) {
			t.Errorf("sendmail exit %s: exit %d, want %d; %s", status, code, want, errs)
		}
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("pipe broke") }

// failWriter accepts n bytes, then fails like a full disk.
type failWriter struct {
	w io.Writer
	n int
}

func (f *failWriter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		if f.w != nil {
			f.w.Write(p[:f.n])
		}
		k := f.n
		f.n = 0
		return k, syscall.ENOSPC
	}
	f.n -= len(p)
	if f.w != nil {
		return f.w.Write(p)
	}
	return len(p), nil
}

// TestRunDiskFull: a write that fails midway leaves no file under the
// message's name (nor a temporary), reports the message as not handled,
// and leaves the input alone.
func TestRunDiskFull(t *testing.T) {
	eml, _, _ := mkInputs(t)
	orig := mustRead(t, eml)
	out := t.TempDir()
	outputHook = func(w io.Writer) io.Writer { return &failWriter{w: w, n: 100} }
	defer func() { outputHook = nil }()
	s := mailScanner(t, false)
	var stdout, stderr bytes.Buffer
	code := runMail(s, mailscanOptions{out: out, json: true}, []string{eml}, nil, &stdout, &stderr)
	if code != exitError || !strings.Contains(stderr.String(), "no space left") {
		t.Fatalf("exit %d, stderr %q", code, &stderr)
	}
	// One failure, told once: one stderr line, and the verdict names it
	// without repeating the error.
	if n := strings.Count(stderr.String(), "no space left"); n != 1 || strings.Count(stderr.String(), "\n") != 1 || strings.Contains(stdout.String(), "no space left") {
		t.Errorf("the write failure is reported %d times:\nstderr %s\nstdout %s", n, &stderr, &stdout)
	}
	var v mailVerdict
	if err := json.Unmarshal(stdout.Bytes(), &v); err != nil || v.Action != mailscan.Error {
		t.Fatalf("verdict %q (%v), want action error", &stdout, err)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Fatalf("out dir not empty after failed write: %v", entries)
	}
	if !bytes.Equal(mustRead(t, eml), orig) {
		t.Fatal("input changed")
	}
}

// blockWriter writes the first half of a message, tells the parent, and
// hangs so the parent can kill the process mid-write.
type blockWriter struct {
	w     io.Writer
	ready string
}

func (b *blockWriter) Write(p []byte) (int, error) {
	n, err := b.w.Write(p[:len(p)/2])
	if f, ok := b.w.(interface{ Sync() error }); ok {
		f.Sync()
	}
	if err == nil {
		os.WriteFile(b.ready, nil, 0o644)
		time.Sleep(time.Minute)
	}
	return n, err
}

// TestHelperKilledWriter is not a test: TestRunKilledMidWrite runs the
// test binary again with this as the only test, to be SIGKILLed.
func TestHelperKilledWriter(t *testing.T) {
	if os.Getenv("MAILSCAN_HELPER") != "kill" {
		t.Skip("helper process only")
	}
	outputHook = func(w io.Writer) io.Writer { return &blockWriter{w: w, ready: os.Getenv("MAILSCAN_READY")} }
	s := mailScanner(t, true)
	runMail(s, mailscanOptions{out: os.Getenv("MAILSCAN_OUT")}, []string{os.Getenv("MAILSCAN_IN")}, nil, io.Discard, io.Discard)
	t.Fatal("helper was not killed")
}

// TestRunKilledMidWrite kills a process while it writes a message into the
// out dir: no file may appear under the message's name, the input must be
// intact, and the next run must clean up and deliver the whole message.
func TestRunKilledMidWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a subprocess")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "msg.eml")
	msg := golden(t, "text-body-not-scanned")
	os.WriteFile(in, msg, 0o644)
	out := filepath.Join(dir, "out")
	os.Mkdir(out, 0o755)
	ready := filepath.Join(dir, "ready")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperKilledWriter$", "-test.count=1")
	cmd.Env = append(os.Environ(), "MAILSCAN_HELPER=kill", "MAILSCAN_OUT="+out, "MAILSCAN_IN="+in, "MAILSCAN_READY="+ready)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(ready); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatal("helper never started writing")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	entries, _ := os.ReadDir(out)
	var temps int
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") {
			t.Fatalf("killed write left %q in the out dir", e.Name())
		}
		temps++
	}
	if temps != 1 {
		t.Fatalf("expected the killed run's one temporary file, found %d", temps)
	}
	if !bytes.Equal(mustRead(t, in), msg) {
		t.Fatal("input changed")
	}
	s := mailScanner(t, false)
	if code := runMail(s, mailscanOptions{out: out}, []string{in}, nil, io.Discard, io.Discard); code != exitOK {
		t.Fatalf("rerun exit %d", code)
	}
	entries, _ = os.ReadDir(out)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"msg.eml"}) || !bytes.Equal(mustRead(t, filepath.Join(out, "msg.eml")), delivered(msg, "Clean")) {
		t.Fatalf("after rerun the out dir holds %v", names)
	}
}
