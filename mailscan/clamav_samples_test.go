package mailscan

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigtool/sigtool/sigfile"
)

const testfiles = "/usr/share/clamav-testfiles"

// needClamAV skips without the Debian reference packages, except in CI,
// where the Makefile installs them and their absence is a failure.
func needClamAV(t *testing.T) {
	t.Helper()
	_, err1 := exec.LookPath("clamscan")
	_, err2 := os.Stat(filepath.Join(testfiles, "clam.exe"))
	if err1 == nil && err2 == nil {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("clamscan or clamav-testfiles missing in CI (make deps installs them): %v %v", err1, err2)
	}
	t.Skip("clamscan / clamav-testfiles not installed")
}

// TestClamAVMailSamples: the mail samples of Debian's clamav-testfiles,
// with only the hash signatures of clam.exe loaded, are detected by our
// policy as clamscan detects them with the same database, and the infected
// attachment is removed.
func TestClamAVMailSamples(t *testing.T) {
	needClamAV(t)
	exe, err := os.ReadFile(filepath.Join(testfiles, "clam.exe"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	hdb := fmt.Sprintf("%x:%d:Sigtool.Test.ClamExe.MD5\n", md5.Sum(exe), len(exe))
	hsb := fmt.Sprintf("%x:%d:Sigtool.Test.ClamExe.SHA256\n", sha256.Sum256(exe), len(exe))
	os.WriteFile(filepath.Join(dir, "clam.hdb"), []byte(hdb), 0o644)
	os.WriteFile(filepath.Join(dir, "clam.hsb"), []byte(hsb), 0o644)

	s := realScanner(t, map[sigfile.Kind][]string{sigfile.KindHDB: {hdb}, sigfile.KindHSB: {hsb}})

	samples := []string{"clam.mail", "clam.exe.mbox.base64", "clam.exe.mbox.uu"}
	args := []string{"--no-summary", "-d", filepath.Join(dir, "clam.hdb"), "-d", filepath.Join(dir, "clam.hsb")}
	for _, f := range samples {
		args = append(args, filepath.Join(testfiles, f))
	}
	out, _ := exec.Command("clamscan", args...).CombinedOutput()
	for _, f := range samples {
		t.Run(f, func(t *testing.T) {
			if !strings.Contains(string(out), f+": Sigtool.Test.ClamExe") {
				t.Fatalf("clamscan does not detect %s with the clam.exe hashes:\n%s", f, out)
			}
			msg, err := os.ReadFile(filepath.Join(testfiles, f))
			if err != nil {
				t.Fatal(err)
			}
			o, err := s.Process(context.Background(), msg, Envelope{ID: f})
			if err != nil {
				t.Fatal(err)
			}
			if o.Action != Rewrite || len(o.Findings) != 1 {
				t.Fatalf("action %s, findings %+v; want a rewrite removing clam.exe", o.Action, o.Findings)
			}
			fd := o.Findings[0]
			if !strings.HasPrefix(fd.Signature, "Sigtool.Test.ClamExe") || fd.Action != "removed" || fd.Filename != "clam.exe" {
				t.Fatalf("finding %+v", fd)
			}
			if strings.Contains(string(o.Message), "TVpQAAIAAAAEAA8A") || strings.Contains(string(o.Message), "M35I0``(````$``\\`__\\``+@") {
				t.Error("rewritten message still carries clam.exe")
			}
			if !strings.Contains(string(o.Message), "clam.exe is removed from here because it contains a virus.") {
				t.Error("replacement note missing")
			}
		})
	}
}
