package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigtool/sigtool/internal/buildinfo"
)

func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.toml")
	os.WriteFile(good, []byte("db = \""+dir+"/s.db\"\n[scan]\ntcp = \"3310\"\nunix_socket = \"/run/x.sock\"\n[mail]\nquarantine_retention = \"30d\"\n"), 0o644)
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("[scan]\nunix_socket = \"/run/x.sock\"\nmax_threads = \"ten\"\n"), 0o644)
	for _, c := range []struct {
		args        []string
		code        int
		out, errOut string
	}{
		{[]string{"config", "check", "--config", good}, exitOK, "scan service: unix /run/x.sock (mode 0660), tcp 127.0.0.1:3310; stream_max_length 100M, max_threads 10, max_queue 100", ""},
		{[]string{"config", "check", "--config", good}, exitOK, "mail: policy the built-in one; quarantine " + dir + "/s.quarantine.db, purged 30d after it was last quarantined\n", ""},
		{[]string{"config", "check", "--config", bad}, exitError, "", bad + ": scan.max_threads"},
		{[]string{"config", "check", "--config", filepath.Join(dir, "none.toml")}, exitError, "", "none.toml does not exist"},
		{[]string{"--version"}, exitOK, "sigupdated " + buildinfo.Version() + "\n", ""},
		{[]string{"no-such-command"}, exitError, "", "unknown command"},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), c.args, &out, &errb)
		if code != c.code || !strings.Contains(out.String(), c.out) || !strings.Contains(errb.String(), c.errOut) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %d, %q, %q", c.args, code, out.String(), errb.String(), c.code, c.out, c.errOut)
		}
	}
}

// TestStoreInStateDirectory: a configuration without db means, under the
// packaged unit, the store in its StateDirectory (where sigtool looks on
// a server), and the per-user store otherwise.
func TestStoreInStateDirectory(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "s.toml")
	os.WriteFile(cfg, []byte("[scan]\nunix_socket = \"/run/x.sock\"\n"), 0o644)
	for _, c := range []struct{ state, want string }{
		{filepath.Join(dir, "state") + ":" + filepath.Join(dir, "other"), "store: " + filepath.Join(dir, "state", "sigtool.db") + "\n"},
		{"", "store: " + filepath.Join(dir, "xdg", "sigtool", "sigtool.db") + "\n"},
	} {
		t.Setenv("STATE_DIRECTORY", c.state)
		t.Setenv("SIGTOOL_DB", "")
		t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "xdg"))
		var out, errb bytes.Buffer
		if code := run(context.Background(), []string{"config", "check", "--config", cfg}, &out, &errb); code != exitOK || !strings.Contains(out.String(), c.want) {
			t.Errorf("STATE_DIRECTORY=%q: exit %d\n%s%s, want %q", c.state, code, out.String(), errb.String(), c.want)
		}
	}
}
