package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestVersionOpensNothing(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "never.db")
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"--version", "--config", filepath.Join(dir, "missing.toml"), "--db", db, "--listen", "127.0.0.1:1"}, &out, &errb)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
	if !strings.HasPrefix(out.String(), "sigupdated ") || strings.Count(out.String(), "\n") != 1 {
		t.Errorf("stdout %q, want one line \"sigupdated VERSION\"", out.String())
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("--version touched the store: %v", err)
	}
}

func TestOnceExitCodes(t *testing.T) {
	feed := newNativeFeed(t, 3)
	feed.publish(1)
	dir := t.TempDir()
	good, dbPath := writeConfig(t, dir, feed, "")
	badCfg := filepath.Join(dir, "bad.toml")
	if err := os.WriteFile(badCfg, []byte("checks_per_day = 99\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := httptest.NewServer(http.NotFoundHandler())
	defer missing.Close()
	failing := t.TempDir()
	broken, _ := writeConfig(t, failing, &nativeFeed{srv: missing, pub: feed.pub}, "")

	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string // a line that must appear
	}{
		{"no config flag", []string{"--once"}, exitError, ""},
		{"unknown flag", []string{"--config", good, "--bogus"}, exitError, ""},
		{"missing config", []string{"--once", "--config", filepath.Join(dir, "nope.toml")}, exitError, ""},
		{"invalid config", []string{"--once", "--config", badCfg}, exitError, ""},
		{"first update", []string{"--once", "--config", good}, exitOK, "crash: 0 -> 1 by native"},
		{"up to date", []string{"--once", "--config", good}, exitOK, "crash: up to date at version 1"},
		{"feed fails", []string{"--once", "--config", broken}, exitFailed, "crash: failed (http-404)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), tc.args, &out, &errb)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out.String(), errb.String())
			}
			if !strings.Contains(out.String(), tc.stdout) {
				t.Errorf("stdout %q lacks %q", out.String(), tc.stdout)
			}
		})
	}
	if v := storeVersion(t, dbPath, feed); v != 1 {
		t.Errorf("store holds version %d, want 1", v)
	}

	// --db overrides the config's db.
	other := filepath.Join(t.TempDir(), "other.db")
	feed.publish(2)
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"--once", "--config", good, "--db", other}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if v := storeVersion(t, other, feed); v != 2 {
		t.Errorf("--db store holds version %d, want 2", v)
	}
	if v := storeVersion(t, dbPath, feed); v != 1 {
		t.Errorf("config's store changed to version %d despite --db", v)
	}
}
