package clamd

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startRealClamd runs Debian's clamd on the test signatures, on a Unix
// socket in dir. It skips without clamd, except under CI=true.
func startRealClamd(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("clamd")
	if err != nil {
		for _, p := range []string{"/usr/sbin/clamd"} {
			if _, e := os.Stat(p); e == nil {
				bin, err = p, nil
			}
		}
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("clamd (Debian clamav-daemon) is missing; make deps installs it")
		}
		t.Skip("clamd (Debian clamav-daemon) not installed")
	}
	dir := t.TempDir()
	dbdir := filepath.Join(dir, "db")
	os.Mkdir(dbdir, 0o755)
	for _, f := range sigFiles() {
		os.WriteFile(filepath.Join(dbdir, f.Name), f.Data, 0o644)
	}
	sock := filepath.Join(dir, "clamd.sock")
	conf := filepath.Join(dir, "clamd.conf")
	os.WriteFile(conf, []byte("LocalSocket "+sock+"\nDatabaseDirectory "+dbdir+"\nForeground yes\nTemporaryDirectory "+dir+
		"\nLogFile "+dir+"/clamd.log\nPidFile "+dir+"/clamd.pid\nCommandReadTimeout 2\nReadTimeout 2\n"), 0o644)
	cmd := exec.Command(bin, "--config-file="+conf)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if _, err := os.Stat(sock); err == nil {
			return sock
		}
	}
	log, _ := os.ReadFile(filepath.Join(dir, "clamd.log"))
	t.Fatalf("clamd did not open its socket in 60 s:\n%s", log)
	return ""
}

// TestSameBytesAsClamd sends each protocol case to Debian's clamd and to
// ours and compares the replies byte for byte: protocolCases' expectations
// are clamd's, not our reading of its sources.
func TestSameBytesAsClamd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts clamd")
	}
	real := startRealClamd(t)
	ts := startServer(t, nil)
	files := writeFiles(t)
	for _, c := range protocolCases(files) {
		t.Run(c.name, func(t *testing.T) {
			if strings.Contains(c.name, "newer than clamd") {
				t.Skip("Debian's clamd answers UNKNOWN COMMAND")
			}
			theirs := exchange(t, "unix", real, []byte(c.req), 10*time.Second)
			ours := exchange(t, "unix", ts.unix, []byte(c.req), 10*time.Second)
			// clamd marks names from unsigned databases; ours are the
			// names sigtool scan reports, without the mark.
			theirs = []byte(strings.ReplaceAll(string(theirs), ".UNOFFICIAL", ""))
			// clamd runs a session's scans in parallel; clients match
			// replies by their N: prefix.
			if strings.Contains(c.name, "CONTSCAN") || strings.HasPrefix(c.name, "session") {
				theirs, ours = sortedLines(theirs), sortedLines(ours)
			}
			if string(theirs) != string(ours) {
				t.Errorf("%q\nclamd: %q\nours:  %q", c.req, theirs, ours)
			}
		})
	}
}
