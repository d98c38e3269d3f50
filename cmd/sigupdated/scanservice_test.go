package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sigtool/sigtool/clamd"
	"github.com/sigtool/sigtool/mailscan"
)

const testfiles = "/usr/share/clamav-testfiles"

// needDebian skips without a Debian package's program or files, except
// under CI=true, where make deps has installed them.
func needDebian(t *testing.T, pkg string, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is missing (Debian %s; make deps installs it)", p, pkg)
			}
			t.Skipf("%s not installed (Debian %s)", p, pkg)
		}
	}
}

// sigtoolBinary builds cmd/sigtool once beside the daemon.
func sigtoolBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(binDir, "sigtool")
	if _, err := os.Stat(bin); err != nil {
		if out, err := exec.Command("go", "build", "-o", bin, "../sigtool").CombinedOutput(); err != nil {
			t.Fatalf("go build sigtool: %v\n%s", err, out)
		}
	}
	return bin
}

// scanDaemon is a running sigupdated with a [scan] service on a store
// holding ClamAV's test-file hash.
type scanDaemon struct {
	dir, db, sock, http string
	sigtool             string
	cmd                 *exec.Cmd
	logs                *logWatch
}

func startScanDaemon(t *testing.T, extra string) *scanDaemon {
	t.Helper()
	d := &scanDaemon{dir: t.TempDir(), sigtool: sigtoolBinary(t)}
	d.db, d.sock = filepath.Join(d.dir, "s.db"), filepath.Join(d.dir, "clamd.sock")
	hsb := filepath.Join(d.dir, "test.hsb")
	os.WriteFile(hsb, []byte("71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495:544:ClamAV-Test-File\n"), 0o644)
	if out, err := exec.Command(d.sigtool, "--db", d.db, "import", hsb).CombinedOutput(); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	cfg := filepath.Join(d.dir, "sigupdated.toml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("db = %q\nlisten = \"127.0.0.1:0\"\n[scan]\nunix_socket = %q\n%s", d.db, d.sock, extra)), 0o644)
	var done chan error
	d.cmd, d.logs, done = startDaemon(t, binary(t), "--config", cfg)
	t.Cleanup(func() {
		d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			d.cmd.Process.Kill()
			t.Errorf("no exit within 15 s of SIGTERM\n%s", d.logs)
		}
	})
	line, _ := d.logs.waitFor(t, 0, 20*time.Second, "listening", "serves=metrics")
	d.http = "http://" + attr(line, "addr")
	d.logs.waitFor(t, 0, 20*time.Second, "listening", "serves=scan")
	return d
}

func (d *scanDaemon) run(t *testing.T, stdin []byte, name string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	var out, errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(stdin), &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return code, out.String(), errb.String()
}

// verdicts reads "PATH: NAME FOUND" / "PATH: OK" / "PATH: ... ERROR"
// lines into path -> "FOUND NAME", "OK" or "ERROR". sigtool names the
// member ("a.zip!x.exe"); clamd the file.
func verdicts(out string) map[string]string {
	m := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		i := strings.Index(line, ": ")
		if i < 0 {
			continue
		}
		path, rest := line[:i], line[i+2:]
		path, _, _ = strings.Cut(path, "!")
		switch {
		case strings.HasSuffix(rest, " FOUND"):
			if _, ok := m[path]; !ok {
				m[path] = "FOUND " + strings.TrimSuffix(rest, " FOUND")
			}
		case rest == "OK":
			m[path] = "OK"
		case strings.HasSuffix(rest, " ERROR"):
			m[path] = "ERROR"
		}
	}
	return m
}

// TestClamdscan: Debian's clamdscan against our socket, streaming,
// passing descriptors and asking for MULTISCAN, on ClamAV's test files,
// reports what sigtool scan reports for each file, with clamd's exit codes.
func TestClamdscan(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the daemon and clamdscan")
	}
	needDebian(t, "clamdscan", "/usr/bin/clamdscan")
	needDebian(t, "clamav-testfiles", testfiles)
	d := startScanDaemon(t, "")
	files, _ := filepath.Glob(testfiles + "/*")
	_, ours, _ := d.run(t, nil, d.sigtool, append([]string{"--db", d.db, "scan"}, files...)...)
	want := verdicts(ours)
	if len(want) != len(files) {
		t.Fatalf("sigtool scan gave %d verdicts for %d files:\n%s", len(want), len(files), ours)
	}
	var found int
	for _, v := range want {
		if strings.HasPrefix(v, "FOUND") {
			found++
		}
	}
	if found < 10 {
		t.Fatalf("sigtool scan found clam.exe in %d test files: %v", found, want)
	}
	// A clean file and an unscannable one (an ACE archive, a container
	// recognised and not opened yet) of our own: the engine opens more of
	// the test files every release, so they cannot be relied on for
	// either. (A damaged archive is no longer one: it is judged as ClamAV
	// judges it, on what could be read.)
	cleanFile, errorFile := filepath.Join(d.dir, "clean.txt"), filepath.Join(d.dir, "unknown.ace")
	ace := append([]byte("\x00\x00\x00\x00\x00\x00\x00**ACE**"), make([]byte, 64)...)
	if err := errors.Join(os.WriteFile(cleanFile, []byte("hello\n"), 0o644),
		os.WriteFile(errorFile, ace, 0o644)); err != nil {
		t.Fatal(err)
	}
	_, own, _ := d.run(t, nil, d.sigtool, "--db", d.db, "scan", cleanFile, errorFile)
	if v := verdicts(own); v[cleanFile] != "OK" || v[errorFile] != "ERROR" {
		t.Fatalf("sigtool scan of our clean and unscannable files: %v, want OK and ERROR", v)
	}
	want[cleanFile], want[errorFile] = "OK", "ERROR"
	mixed := append([]string{cleanFile, errorFile}, files...)
	conf := filepath.Join(d.dir, "clamd.conf")
	os.WriteFile(conf, []byte("LocalSocket "+d.sock+"\n"), 0o644)
	clamdscan := func(args ...string) (int, string) {
		code, out, errOut := d.run(t, nil, "clamdscan", append([]string{"--config-file=" + conf, "--no-summary"}, args...)...)
		if strings.Contains(errOut, "ERROR: Could not connect") {
			t.Fatalf("clamdscan could not connect: %s", errOut)
		}
		return code, out
	}
	for _, mode := range []string{"--stream", "--fdpass", "--multiscan"} {
		code, out := clamdscan(append([]string{mode}, mixed...)...)
		got := verdicts(out)
		for _, f := range mixed {
			if got[f] != want[f] {
				t.Errorf("clamdscan %s %s: %q, sigtool scan: %q", mode, filepath.Base(f), got[f], want[f])
			}
		}
		if code != 1 {
			t.Errorf("clamdscan %s: exit %d, want 1 (something found)", mode, code)
		}
		if code, out := clamdscan(mode, cleanFile); code != 0 || !strings.HasSuffix(out, ": OK\n") {
			t.Errorf("clamdscan %s of a clean file: exit %d, %q", mode, code, out)
		}
		if code, out := clamdscan(mode, errorFile); code != 2 || !strings.HasSuffix(out, " ERROR\n") {
			t.Errorf("clamdscan %s of an unscannable file: exit %d, %q; want 2, ERROR", mode, code, out)
		}
	}
	// A directory, walked by the daemon and by clamdscan.
	for _, mode := range []string{"--multiscan", "--stream"} {
		code, out := clamdscan(mode, testfiles)
		got := verdicts(out)
		for _, f := range files {
			if w := want[f]; w != "OK" && got[f] != w {
				t.Errorf("clamdscan %s DIR: %s %q, want %q", mode, filepath.Base(f), got[f], w)
			}
		}
		if code != 1 {
			t.Errorf("clamdscan %s DIR: exit %d", mode, code)
		}
	}
}

// mailWith is a message with one base64 attachment.
func mailWith(name string, data []byte) []byte {
	b64 := base64.StdEncoding.EncodeToString(data)
	var lines []string
	for len(b64) > 76 {
		lines, b64 = append(lines, b64[:76]), b64[76:]
	}
	lines = append(lines, b64)
	return []byte("From: a@example.org\r\nTo: b@example.edu\r\nSubject: test\r\nMessage-ID: <1@example.org>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nHello.\r\n" +
		"--b1\r\nContent-Type: application/octet-stream; name=\"" + name + "\"\r\nContent-Disposition: attachment; filename=\"" + name +
		"\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + strings.Join(lines, "\r\n") + "\r\n--b1--\r\n")
}

// TestBesideTheDaemon: while the daemon runs, sigtool reads the store
// and the quarantine (info, verify, quarantine list/show/release), and a
// mail request over MAILSCAN, over HTTP and through `sigtool mailscan -`
// gets the same rewrite as a local mailscan.
func TestBesideTheDaemon(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the daemon")
	}
	needDebian(t, "clamav-testfiles", testfiles)
	d := startScanDaemon(t, "")
	for _, args := range [][]string{{"info"}, {"verify"}, {"quarantine", "list"}} {
		if code, out, errOut := d.run(t, nil, d.sigtool, append([]string{"--db", d.db}, args...)...); code != 0 {
			t.Errorf("sigtool %v beside the daemon: exit %d\n%s%s", args, code, out, errOut)
		}
	}
	exe, err := os.ReadFile(testfiles + "/clam.exe")
	if err != nil {
		t.Fatal(err)
	}
	msg := mailWith("clam.exe", exe)
	c, _ := clamd.NewClient(d.sock)
	rep, body, err := c.MailScan(context.Background(), msg, mailscan.Envelope{Recipients: []string{"b@example.edu"}})
	if err != nil || rep.Action != mailscan.Rewrite || len(rep.Findings) != 1 || rep.Findings[0].Signature != "ClamAV-Test-File" || rep.Findings[0].Quarantine == "" {
		t.Fatalf("MAILSCAN: %+v, %v", rep, err)
	}
	if bytes.Contains(body, []byte(base64.StdEncoding.EncodeToString(exe[:60]))) || rep.Size != len(body) {
		t.Fatal("MAILSCAN's message still carries the virus, or its size is wrong")
	}
	// The message comes stamped, naming the signatures that scanned it.
	if len(rep.Header) != 2 || !bytes.HasPrefix(body, []byte("X-Virus-Scanned: sigtool ")) ||
		!bytes.Contains(body, []byte("X-Virus-Status: Infected (ClamAV-Test-File)\r\n")) || !strings.Contains(rep.Header[0].Value, " (test.hsb) at ") {
		t.Errorf("MAILSCAN's header fields: %+v\n%.300s", rep.Header, body)
	}
	id := rep.Findings[0].Quarantine
	code, out, _ := d.run(t, nil, d.sigtool, "--db", d.db, "quarantine", "list")
	if code != 0 || !strings.Contains(out, id) {
		t.Errorf("quarantine list beside the daemon: exit %d, %q lacks %s", code, out, id)
	}
	if code, out, _ := d.run(t, nil, d.sigtool, "--db", d.db, "quarantine", "show", id); code != 0 || !strings.Contains(out, "ClamAV-Test-File") {
		t.Errorf("quarantine show: exit %d, %q", code, out)
	}
	rel := filepath.Join(d.dir, "released.exe")
	if code, _, errOut := d.run(t, nil, d.sigtool, "--db", d.db, "quarantine", "release", id, "--out", rel); code != 0 {
		t.Errorf("quarantine release: exit %d %s", code, errOut)
	} else if got, _ := os.ReadFile(rel); !bytes.Equal(got, exe) {
		t.Error("released file differs from the attachment")
	}

	// The pipe filter through the daemon and compiled locally agree.
	code, viaDaemon, errOut := d.run(t, msg, d.sigtool, "--db", d.db, "mailscan", "--daemon", "unix:"+d.sock, "-")
	if code != 0 || viaDaemon != string(body) { // EX_OK: rewritten
		t.Errorf("mailscan - through the daemon: exit %d, %d bytes (want the MAILSCAN message, %d)\n%s", code, len(viaDaemon), len(body), errOut)
	}
	code, local, errOut := d.run(t, msg, d.sigtool, "--db", d.db, "mailscan", "--daemon", "none", "-")
	if code != 0 || local != viaDaemon {
		t.Errorf("mailscan - compiled locally: exit %d, differs from the daemon's message:\n%s\n%s", code, local, errOut)
	}
	// A configured daemon that is not there: retry later, write nothing.
	code, out, _ = d.run(t, msg, d.sigtool, "--db", d.db, "mailscan", "--daemon", "unix:"+d.dir+"/none.sock", "-")
	if code != 75 || out != "" {
		t.Errorf("mailscan - with the daemon away: exit %d, %d bytes on stdout; want 75, none", code, len(out))
	}

	// POST /v1/mailscan.
	resp, err := http.Post(d.http+"/v1/mailscan?rcpt=b%40example.edu", "message/rfc822", bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	hb, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var hrep clamd.MailReply
	json.Unmarshal([]byte(resp.Header.Get("Sigtool-Mailscan")), &hrep)
	if resp.StatusCode != 200 || hrep.Action != mailscan.Rewrite || string(hb) != string(body) {
		t.Errorf("POST /v1/mailscan: %d, %+v, %d bytes", resp.StatusCode, hrep, len(hb))
	}
	clean := mailWith("notes.bin", bytes.Repeat([]byte{1, 2, 3}, 1000))
	resp, _ = http.Post(d.http+"/v1/mailscan", "message/rfc822", bytes.NewReader(clean))
	hb, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	json.Unmarshal([]byte(resp.Header.Get("Sigtool-Mailscan")), &hrep)
	if resp.StatusCode != 200 || hrep.Action != mailscan.Deliver || len(hrep.Header) != 2 || hrep.Header[1].Value != "Clean" || !bytes.Equal(hb, mailscan.AddFields(clean, hrep.Header)) {
		t.Errorf("POST /v1/mailscan of a clean message: %d, %s\n%.300s", resp.StatusCode, resp.Header.Get("Sigtool-Mailscan"), hb)
	}
}
