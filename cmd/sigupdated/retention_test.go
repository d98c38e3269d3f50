package main

import (
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sigtool/sigtool/quarantine"
)

// TestQuarantineRetention: the daemon purges what was last quarantined
// longer ago than [mail] quarantine_retention after each update check, in
// the store's own quarantine, while sigtool and others write beside it.
func TestQuarantineRetention(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the daemon")
	}
	d := startScanDaemon(t, "[mail]\nquarantine_retention = \"2d\"\n")
	path := quarantine.PathFor(d.db)
	q, err := quarantine.OpenShared(path) // as a pipe filter beside the daemon
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	day := 24 * time.Hour
	old, _ := q.Put([]byte("kept three days"), quarantine.Record{Time: time.Now().Add(-3 * day), Reason: "virus", Signature: "Old.Sig"})
	again, _ := q.Put([]byte("quarantined again"), quarantine.Record{Time: time.Now().Add(-9 * day), Reason: "virus"})
	q.Put([]byte("quarantined again"), quarantine.Record{Time: time.Now().Add(-time.Hour), Reason: "virus"})
	fresh, err := q.Put([]byte("kept one day"), quarantine.Record{Time: time.Now().Add(-day), Reason: "virus"})
	if err != nil {
		t.Fatal(err)
	}
	_, from := d.logs.waitFor(t, 0, 20*time.Second, "update cycle done")
	d.cmd.Process.Signal(syscall.SIGUSR1) // the next check, as the schedule would run it
	line, _ := d.logs.waitFor(t, from, 20*time.Second, "quarantine purged", "purged=1")
	if !strings.Contains(line, path) || !strings.Contains(line, "retention=48h0m0s") {
		t.Errorf("purge log line: %s", line)
	}
	if _, _, err := q.Get(old); !errors.Is(err, quarantine.ErrNotFound) {
		t.Errorf("item older than the retention: %v, want purged", err)
	}
	for _, id := range []string{again, fresh} {
		if _, _, err := q.Get(id); err != nil {
			t.Errorf("%s: %v, want kept", id[:12], err)
		}
	}
	if code, out, errOut := d.run(t, nil, d.sigtool, "--db", d.db, "quarantine", "list"); code != 0 || strings.Count(out, "\n") != 2 || strings.Contains(out, old) {
		t.Errorf("sigtool quarantine list beside the daemon: exit %d\n%s%s", code, out, errOut)
	}
}
