package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestCooldownCommands: a 403 puts the mirror on a cool-down kept in the
// store; --cooldowns lists it from a new process run, --clear-cooldown
// ends it, and the next cycle asks the mirror again.
func TestCooldownCommands(t *testing.T) {
	var requests atomic.Int64
	blocked := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		http.Error(w, "Forbidden", http.StatusForbidden)
	}))
	defer blocked.Close()
	dir := t.TempDir()
	cfg, _ := writeConfig(t, dir, &nativeFeed{srv: blocked, pub: newNativeFeed(t, 1).pub}, "")

	sigupdated := func(args ...string) (int, string) {
		var out, errb bytes.Buffer
		code := run(context.Background(), append([]string{"--config", cfg}, args...), &out, &errb)
		return code, out.String()
	}
	if code, _ := sigupdated("--once"); code != exitFailed {
		t.Fatalf("--once against a 403 mirror: exit %d, want %d", code, exitFailed)
	}
	code, out := sigupdated("--cooldowns")
	if code != exitOK || !strings.Contains(out, blocked.URL) || !strings.Contains(out, "HTTP 403") {
		t.Fatalf("--cooldowns: exit %d, %q", code, out)
	}
	before := requests.Load()
	if code, _ := sigupdated("--once"); code != exitFailed || requests.Load() != before {
		t.Fatalf("a cycle on cool-down sent %d requests (exit %d)", requests.Load()-before, code)
	}
	if code, out := sigupdated("--clear-cooldown", "all"); code != exitOK || !strings.Contains(out, "cool-down cleared") {
		t.Fatalf("--clear-cooldown: exit %d, %q", code, out)
	}
	if code, out := sigupdated("--cooldowns"); code != exitOK || out != "no mirror is on cool-down\n" {
		t.Fatalf("after clearing: exit %d, %q", code, out)
	}
	sigupdated("--once")
	if requests.Load() == before {
		t.Fatal("after clearing, the next cycle did not ask the mirror again")
	}
}
