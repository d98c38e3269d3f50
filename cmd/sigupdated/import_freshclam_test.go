package main

import (
	"bytes"
	"context"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportFreshclamShipped: Debian's own freshclam.conf and clamd.conf,
// as installed, become a configuration `config check` accepts, with the
// mirror, schedule and clamd's socket and limits, and every directive
// without a counterpart named.
func TestImportFreshclamShipped(t *testing.T) {
	for _, p := range []string{debianFreshclam, debianClamd} {
		if _, err := os.Stat(p); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s: %v (the Makefile's deps install clamav-freshclam and clamav-daemon)", p, err)
			}
			t.Skipf("%s missing (install clamav-freshclam and clamav-daemon): %v", p, err)
		}
	}
	out := filepath.Join(t.TempDir(), "sigupdated.toml")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"config", "import-freshclam", "--output", out}, &stdout, &stderr); code != exitOK {
		t.Fatalf("import: exit %d: %s", code, stderr.String())
	}
	toml, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"# " + debianFreshclam + ":", "checks_per_day = ", `mirrors = ["https://database.clamav.net"]`,
		"[scan]\n# " + debianClamd + ":", "unix_socket = ", "stream_max_length = ", "max_threads = ",
		"\n# Not mapped:\n#   " + debianFreshclam + ":",
	} {
		if !bytes.Contains(toml, []byte(want)) {
			t.Errorf("the configuration has no %q:\n%s", want, toml)
		}
	}
	if !strings.Contains(stderr.String(), "not mapped (") || !strings.Contains(stderr.String(), "NotifyClamd") {
		t.Errorf("stderr does not name what was not mapped: %s", stderr.String())
	}
	stdout.Reset()
	if code := run(context.Background(), []string{"config", "check", "--config", out}, &stdout, &stderr); code != exitOK ||
		!strings.Contains(stdout.String(), "feeds: 1, ") || !strings.Contains(stdout.String(), "scan service: unix ") {
		t.Errorf("config check of the import: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
}

// TestImportFreshclamKeepsFile: an existing configuration is replaced only
// with --force, whole; a file with the proxy's password is the owner's
// and the daemon's group only; "-" writes to stdout.
func TestImportFreshclamKeepsFile(t *testing.T) {
	dir := t.TempDir()
	fresh := filepath.Join(dir, "freshclam.conf")
	os.WriteFile(fresh, []byte("Checks 6\nHTTPProxyServer proxy.example\nHTTPProxyUsername u\nHTTPProxyPassword p\n"), 0o600)
	out := filepath.Join(dir, "sigupdated.toml")
	os.WriteFile(out, []byte("# the operator's own\n"), 0o644)
	imp := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"config", "import-freshclam"}, args...), &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	if code, _, errOut := imp("--config", out, fresh); code != exitError || !strings.Contains(errOut, out+" exists: give --force") {
		t.Errorf("over an existing file: exit %d, %s", code, errOut)
	}
	if b, _ := os.ReadFile(out); string(b) != "# the operator's own\n" {
		t.Errorf("the existing file changed: %q", b)
	}
	if code, stdout, errOut := imp("--config", out, "--force", fresh); code != exitOK || !strings.Contains(stdout, out+": written from 4 directives") {
		t.Fatalf("--force: exit %d, %s%s", code, stdout, errOut)
	}
	b, _ := os.ReadFile(out)
	st, _ := os.Stat(out)
	wantMode := os.FileMode(0o600) // without the daemon's group, its owner's only
	if _, err := user.LookupGroup(daemonGroup); err == nil {
		wantMode = 0o640
	}
	if !bytes.Contains(b, []byte(`proxy = "http://u:p@proxy.example:1080"`)) || st.Mode().Perm() != wantMode {
		t.Errorf("replaced file (mode %v, want %v):\n%s", st.Mode().Perm(), wantMode, b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("the folder holds %d files, want 2 (no temporary file left)", len(ents))
	}
	if code, stdout, _ := imp("-o", "-", fresh); code != exitOK || !strings.Contains(stdout, "checks_per_day = 6\n") {
		t.Errorf("-o -: exit %d\n%s", code, stdout)
	}
	if code, _, errOut := imp("-o", "-", filepath.Join(dir, "none.conf")); code != exitError || !strings.Contains(errOut, "none.conf: no such file") {
		t.Errorf("missing input: exit %d, %s", code, errOut)
	}
}
