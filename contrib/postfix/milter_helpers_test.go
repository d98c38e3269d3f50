package postfix

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sigtool/sigtool/internal/postfixtest"
)

// binaries builds sigtool and sigupdated once per test binary.
var binaries = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "sigtool-bin-")
	if err != nil {
		return "", err
	}
	os.Chmod(dir, 0o755)
	for _, p := range []string{"sigtool", "sigupdated"} {
		build := exec.Command("go", "build", "-o", filepath.Join(dir, p), "./cmd/"+p)
		build.Dir = repo
		if out, err := build.CombinedOutput(); err != nil {
			return "", fmt.Errorf("build %s: %v\n%s", p, err, out)
		}
	}
	return dir, nil
})

func bin(t testing.TB, name string) string {
	t.Helper()
	dir, err := binaries()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, name)
}

// sigupdated is our daemon with a [milter] socket on a store of the
// sample signatures.
type sigupdated struct {
	t          testing.TB
	dir        string
	config     string
	quarantine string
	addr       string // the milter's host:port
	cmd        *exec.Cmd
	log        *syncBuffer
}

// newSigupdated writes the store and the configuration; milter holds
// extra [milter] lines, quarantine the [mail] quarantine ("" for one in
// the daemon's directory).
func newSigupdated(t testing.TB, milter, quarantine string) *sigupdated {
	t.Helper()
	d := &sigupdated{t: t, dir: t.TempDir()}
	db := filepath.Join(d.dir, "sigtool.db")
	sigs, _ := filepath.Glob(filepath.Join(repo, "testdata/run/signatures/*"))
	if out, err := exec.Command(bin(t, "sigtool"), append([]string{"--db", db, "import", "--feed", "sample"}, sigs...)...).CombinedOutput(); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	if quarantine == "" {
		quarantine = filepath.Join(d.dir, "quarantine.db")
	}
	d.quarantine = quarantine
	d.addr = fmt.Sprintf("127.0.0.1:%d", postfixtest.FreePort(t))
	d.config = filepath.Join(d.dir, "sigupdated.toml")
	conf := fmt.Sprintf("db = %q\n[mail]\nquarantine = %q\n[milter]\nlisten = \"inet:%s\"\n%s\n", db, quarantine, d.addr, milter)
	if err := os.WriteFile(d.config, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if d.cmd != nil {
			d.cmd.Process.Kill()
			d.cmd.Wait()
		}
		if t.Failed() {
			t.Logf("sigupdated's log:\n%s", d.log)
		}
	})
	return d
}

// start runs the daemon and waits for its milter socket (opened once
// the matcher is loaded).
func (d *sigupdated) start() {
	d.t.Helper()
	if d.log == nil {
		d.log = &syncBuffer{}
	}
	d.cmd = exec.Command(bin(d.t, "sigupdated"), "--config", d.config)
	d.cmd.Stdout, d.cmd.Stderr = d.log, d.log
	if err := d.cmd.Start(); err != nil {
		d.t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", d.addr); err == nil {
			c.Close()
			return
		}
	}
	d.t.Fatalf("sigupdated's milter did not listen in 30 s:\n%s", d.log)
}

// signal sends sig; SIGTERM and SIGKILL also wait for the exit.
func (d *sigupdated) signal(sig syscall.Signal) {
	d.t.Helper()
	if err := d.cmd.Process.Signal(sig); err != nil {
		d.t.Fatal(err)
	}
	if sig == syscall.SIGTERM || sig == syscall.SIGKILL {
		d.cmd.Wait()
		d.cmd = nil
	}
}

// sigtool runs the sigtool command line and returns its output.
func (d *sigupdated) sigtool(args ...string) (string, error) {
	out, err := exec.Command(bin(d.t, "sigtool"), args...).CombinedOutput()
	return string(out), err
}

// clamavMilter is Debian's clamd and clamav-milter on the same sample
// signatures, Debian's clamav-milter.conf defaults (OnInfected
// Quarantine, AddHeader Replace, OnFail Defer).
type clamavMilter struct {
	addr string
	log  string
}

func startClamavMilter(t testing.TB) *clamavMilter {
	t.Helper()
	for _, p := range []string{"/usr/sbin/clamd", "/usr/sbin/clamav-milter"} {
		if _, err := os.Stat(p); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is missing; the Makefile installs clamav-daemon and clamav-milter", p)
			}
			t.Skipf("%s not installed", p)
		}
	}
	dir, err := os.MkdirTemp("", "sigtool-clamav-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	dbdir := filepath.Join(dir, "db")
	os.Mkdir(dbdir, 0o755)
	sigs, _ := filepath.Glob(filepath.Join(repo, "testdata/run/signatures/*"))
	for _, s := range sigs {
		b, _ := os.ReadFile(s)
		os.WriteFile(filepath.Join(dbdir, filepath.Base(s)), b, 0o644)
	}
	sock := filepath.Join(dir, "clamd.sock")
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	clamdConf := write("clamd.conf", "LocalSocket "+sock+"\nDatabaseDirectory "+dbdir+"\nForeground yes\nTemporaryDirectory "+dir+
		"\nLogFile "+dir+"/clamd.log\nPidFile "+dir+"/clamd.pid\nMaxThreads 10\n")
	c := &clamavMilter{addr: fmt.Sprintf("127.0.0.1:%d", postfixtest.FreePort(t)), log: filepath.Join(dir, "clamav-milter.log")}
	port := strings.TrimPrefix(c.addr, "127.0.0.1:")
	milterConf := write("clamav-milter.conf", "MilterSocket inet:"+port+"@127.0.0.1\nClamdSocket unix:"+sock+
		"\nForeground yes\nPidFile "+dir+"/clamav-milter.pid\nTemporaryDirectory "+dir+"\nLogFile "+c.log+
		"\nOnClean Accept\nOnInfected Quarantine\nOnFail Defer\nAddHeader Replace\nMaxFileSize 25M\nReadTimeout 120\n")
	for _, p := range [][]string{{"/usr/sbin/clamd", "--config-file=" + clamdConf}, {"/usr/sbin/clamav-milter", "--config-file=" + milterConf}} {
		cmd := exec.Command(p[0], p[1:]...)
		var out syncBuffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		ready := func() bool {
			if p[0] == "/usr/sbin/clamd" {
				_, err := os.Stat(sock)
				return err == nil
			}
			conn, err := net.Dial("tcp", c.addr)
			if err == nil {
				conn.Close()
			}
			return err == nil
		}
		deadline := time.Now().Add(60 * time.Second)
		for !ready() {
			if time.Now().After(deadline) {
				log, _ := os.ReadFile(filepath.Join(dir, "clamd.log"))
				mlog, _ := os.ReadFile(c.log)
				t.Fatalf("%s did not start in 60 s:\n%s\n%s\n%s", p[0], &out, log, mlog)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return c
}

// syncBuffer is a bytes.Buffer a process may write to while a test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	if s == nil {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// mail is one message of the test corpus.
type mail struct {
	name string
	data []byte
}

// runMails are the sample messages of testdata/run/mail.
func runMails(t testing.TB) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	for _, n := range []string{"clean", "infected-archive", "infected-attachment", "partial"} {
		b, err := os.ReadFile(filepath.Join(repo, "testdata/run/mail", n+".eml"))
		if err != nil {
			t.Fatal(err)
		}
		m[n] = b
	}
	return m
}

// corpusMails are the real clean messages of ../shared/corpus/mail (the
// mbox files left out: a mail server is handed one message at a time).
func corpusMails(t testing.TB) []mail {
	t.Helper()
	root := filepath.Join(repo, "../shared/corpus/mail")
	index, err := os.ReadFile(filepath.Join(root, "INDEX.tsv"))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("../shared/corpus/mail: %v", err)
		}
		t.Skipf("../shared/corpus/mail: %v", err)
	}
	var out []mail
	for _, line := range strings.Split(string(index), "\n")[1:] {
		cols := strings.Split(line, "\t")
		if len(cols) < 7 || strings.HasPrefix(cols[6], "mbox") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(root, cols[0]))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, mail{cols[0], b})
	}
	return out
}
