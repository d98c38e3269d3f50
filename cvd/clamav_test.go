package cvd

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestClamAVReadsOurContainers is a differential test: ClamAV's own sigtool
// must accept a plain and a gzip'd CLD that Write made
// from test-6.cvd's members, and unpack the same members. It skips when
// ClamAV is not installed (make deps installs it).
func TestClamAVReadsOurContainers(t *testing.T) {
	sigtool, err := exec.LookPath("sigtool")
	if err != nil {
		t.Skip("ClamAV sigtool not installed")
	}
	c, err := Read(readCorpus(t, "test-6.cvd"))
	if err != nil {
		t.Fatal(err)
	}
	// Both as .cld: an unsigned .cvd is refused, and a CLD may be gzip'd
	// (CompressLocalDatabase).
	for _, gzipped := range []bool{false, true} {
		t.Run(fmt.Sprint("gzip=", gzipped), func(t *testing.T) {
			dir := t.TempDir()
			var b bytes.Buffer
			if err := Write(&b, c.Header, c.Members, gzipped); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "test.cld")
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.CommandContext(t.Context(), sigtool, "--info="+path).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "Version: 6") {
				t.Fatalf("sigtool --info: %v\n%s", err, out)
			}
			unpack := filepath.Join(dir, "unpacked")
			if err := os.Mkdir(unpack, 0o755); err != nil {
				t.Fatal(err)
			}
			cmd := exec.CommandContext(t.Context(), sigtool, "--unpack="+path)
			cmd.Dir = unpack
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("sigtool --unpack: %v\n%s", err, out)
			}
			for _, m := range c.Members {
				got, err := os.ReadFile(filepath.Join(unpack, m.Name))
				if err != nil || !bytes.Equal(got, m.Data) {
					t.Errorf("%s unpacked by ClamAV differs (%v)", m.Name, err)
				}
			}
		})
	}
}
