package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitHealth polls /healthz until the serving matcher holds version v of
// the crash feed.
func waitHealth(t *testing.T, base string, v int, logs *logWatch) health {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var h health
	for time.Now().Before(deadline) {
		code, body := get(t, base+"/healthz")
		h = health{}
		if err := json.Unmarshal([]byte(body), &h); err != nil {
			t.Fatalf("healthz body %q: %v", body, err)
		}
		if code == http.StatusOK && h.Versions["crash"] == v {
			return h
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("healthz never reported crash v%d (last %+v); log:\n%s", v, h, logs)
	return h
}

// TestDaemon runs the built daemon through its life: start, scheduled
// first check, SIGUSR1, an invalid and a valid SIGHUP, serve_mirror,
// /metrics and /healthz, SIGTERM.
func TestDaemon(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the daemon")
	}
	bin := binary(t)
	feed := newNativeFeed(t, 5)
	feed.publish(1)
	dir := t.TempDir()
	cfgPath, dbPath := writeConfig(t, dir, feed, `serve_mirror = "127.0.0.1:0"`)
	cfgText, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}

	cmd, logs, exited := startDaemon(t, bin, "--config", cfgPath, "--listen", "127.0.0.1:0")
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
		}
	}()

	line, next := logs.waitFor(t, 0, 10*time.Second, "listening", "serves=metrics")
	obs := "http://" + attr(line, "addr")
	line, _ = logs.waitFor(t, 0, 10*time.Second, "listening", "serves=mirror")
	mirror := "http://" + attr(line, "addr")

	h := waitHealth(t, obs, 1, logs)
	firstGen := h.Generation

	// A new version, fetched on SIGUSR1 and swapped in.
	feed.publish(2)
	cmd.Process.Signal(syscall.SIGUSR1)
	h = waitHealth(t, obs, 2, logs)
	if h.Generation <= firstGen {
		t.Errorf("generation %d after an update, was %d", h.Generation, firstGen)
	}
	code, metrics := get(t, obs+"/metrics")
	for _, want := range []string{
		`sigupdated_engine_feed_version{feed="crash"} 2`,
		`sigupdated_feed_version{feed="crash"} 2`,
		`sigupdated_engine_last_reload_successful 1`,
		`sigupdated_engine_signatures{kind="body"} 5`,
		`sigupdated_engine_reload_duration_seconds_count`,
		`sigupdated_feed_last_success_timestamp_seconds{feed="crash"}`,
		`sigupdated_config_last_reload_successful 1`,
	} {
		if code != 200 || !strings.Contains(metrics, want) {
			t.Errorf("/metrics (%d) lacks %q", code, want)
		}
	}

	// The mirror serves what the store holds.
	code, body := get(t, mirror+"/crash/crash.ndb")
	if code != 200 || body != string(feed.published[2][0].Data) {
		t.Errorf("mirror /crash/crash.ndb: %d, %d bytes; want version 2's file", code, len(body))
	}

	// An invalid configuration is refused and the old one keeps working.
	if err := os.WriteFile(cfgPath, []byte("checks_per_day = \"many\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGHUP)
	_, next = logs.waitFor(t, next, 10*time.Second, "configuration reload refused")
	if _, m := get(t, obs+"/metrics"); !strings.Contains(m, "sigupdated_config_last_reload_successful 0") {
		t.Error("refused configuration not reported in /metrics")
	}
	feed.publish(3)
	cmd.Process.Signal(syscall.SIGUSR1)
	waitHealth(t, obs, 3, logs)

	// A valid one is taken.
	if err := os.WriteFile(cfgPath, []byte(strings.Replace(string(cfgText), "checks_per_day = 24", "checks_per_day = 48", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGHUP)
	logs.waitFor(t, next, 10*time.Second, "configuration reloaded", "checks_per_day=48")

	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("after SIGTERM: %v; log:\n%s", err, logs)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("daemon did not stop on SIGTERM; log:\n%s", logs)
	}
	if v := storeVersion(t, dbPath, feed); v != 3 {
		t.Errorf("store at version %d after stop, want 3", v)
	}
	if t.Failed() {
		fmt.Println(logs)
	}
}
