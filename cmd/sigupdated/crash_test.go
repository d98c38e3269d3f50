package main

import (
	"bytes"
	"math/rand/v2"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// TestCrashDuringUpdates applies 50 updates with `sigupdated --once`,
// killing it with SIGKILL at a random moment of most of them. After every
// run the store must open, pass Verify, and hold either the version it held
// before or the new one, each byte for byte as published.
func TestCrashDuringUpdates(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the daemon 50 times")
	}
	const rounds = 50
	bin := binary(t)
	// Big enough that parsing and writing a version takes a while, so kills
	// land in the import as well as before and after it.
	feed := newNativeFeed(t, 20000)
	cfgPath, dbPath := writeConfig(t, t.TempDir(), feed, "")
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 7))
	t.Logf("seed %d", seed)

	once := func(killAfter time.Duration) (killed bool, out string) {
		cmd := exec.Command(bin, "--once", "--config", cfgPath)
		var buf bytes.Buffer
		cmd.Stdout, cmd.Stderr = &buf, &buf
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if killAfter >= 0 {
			timer := time.AfterFunc(killAfter, func() { cmd.Process.Signal(syscall.SIGKILL) })
			defer timer.Stop()
		}
		err := cmd.Wait()
		ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
		if ws.Signaled() {
			return true, buf.String()
		}
		if err != nil {
			t.Fatalf("sigupdated --once: %v\n%s", err, buf.String())
		}
		return false, buf.String()
	}

	// Calibrate: how long one whole update takes here and now.
	feed.publish(1)
	start := time.Now()
	if killed, out := once(-1); killed {
		t.Fatalf("calibration run killed\n%s", out)
	}
	full := time.Since(start)
	if v := storeVersion(t, dbPath, feed); v != 1 {
		t.Fatalf("store at version %d after the first update", v)
	}
	t.Logf("one update takes %v", full)

	held := 1
	var kept, advanced, completed int
	for v := 2; v <= rounds+1; v++ {
		feed.publish(v)
		// Kill somewhere in the run's whole length, a little past it too.
		t0 := time.Now()
		killed, out := once(time.Duration(rng.Int64N(int64(full) * 6 / 5)))
		if !killed {
			// The machine's speed varies (other tests, other users): follow it.
			full = (full + time.Since(t0)) / 2
		}
		got := storeVersion(t, dbPath, feed)
		switch {
		case !killed && got != v:
			t.Fatalf("round %d: run completed but the store holds version %d\n%s", v, got, out)
		case got != held && got != v:
			t.Fatalf("round %d: store holds version %d, want %d (old) or %d (new)", v, got, held, v)
		case !killed:
			completed++
		case got == v:
			advanced++
		default:
			kept++
		}
		held = got
	}
	t.Logf("%d rounds: %d killed before the commit (old version kept), %d killed after it, %d completed", rounds, kept, advanced, completed)
	if kept+advanced < rounds/5 {
		t.Errorf("only %d of %d runs were killed; the test did not exercise crashes", kept+advanced, rounds)
	}

	// After all that, an undisturbed run brings the store up to date.
	if killed, out := once(-1); killed {
		t.Fatalf("final run killed\n%s", out)
	}
	if got := storeVersion(t, dbPath, feed); got != rounds+1 {
		t.Errorf("final store version %d, want %d", got, rounds+1)
	}
}

// TestTermDuringUpdate stops the daemon with SIGTERM while it applies an
// update: it must exit 0 with the store at the old or the new version.
func TestTermDuringUpdate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the daemon")
	}
	bin := binary(t)
	feed := newNativeFeed(t, 20000)
	cfgPath, dbPath := writeConfig(t, t.TempDir(), feed, "")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 8))
	feed.publish(1)
	held := 0
	for v := 1; v <= 6; v++ {
		if v > 1 {
			feed.publish(v)
		}
		cmd, logs, done := startDaemon(t, bin, "--config", cfgPath)
		// The first check starts right after this line; stop somewhere in it.
		logs.waitFor(t, 0, 10*time.Second, "sigupdated started")
		time.Sleep(time.Duration(rng.Int64N(int64(150 * time.Millisecond))))
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("round %d: exit after SIGTERM: %v\n%s", v, err, logs)
			}
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("round %d: no exit within 15 s of SIGTERM\n%s", v, logs)
		}
		got := storeVersion(t, dbPath, feed)
		if got != held && got != v {
			t.Fatalf("round %d: store at version %d, want %d or %d", v, got, held, v)
		}
		held = got
	}
}
