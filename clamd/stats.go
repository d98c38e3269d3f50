package clamd

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"
)

// versionLine is VERSION's reply: "sigtool <version>/<db version>/<db
// time>" in clamd's layout, the database version being daily's (as
// clamd's) or else the highest feed version, the time when the serving
// matcher was built.
func (s *Server) versionLine() string {
	v := "sigtool " + s.opt.Version
	snap := s.snapshot()
	if snap == nil || len(snap.Versions) == 0 {
		return v
	}
	db, ok := snap.Versions["daily"]
	if !ok {
		for _, n := range snap.Versions {
			db = max(db, n)
		}
	}
	return fmt.Sprintf("%s/%d/%s", v, db, snap.Built.Format("Mon Jan _2 15:04:05 2006"))
}

// statsReply is STATS in clamd's layout (thrmgr.c): the pool, its
// threads and queue, one line per command running, memory, END. Its
// format is not stable in clamd either; monitoring scripts read the
// THREADS and QUEUE lines.
func (s *Server) statsReply(r replier) []byte {
	var b strings.Builder
	b.WriteString(r.prefix())
	b.WriteString("POOLS: 1\n\nSTATE: VALID PRIMARY\n")
	busy, most := s.sem.Busy(), s.sem.Max()
	fmt.Fprintf(&b, "THREADS: live %d  idle %d max %d idle-timeout %d\n", busy, most-busy, most, int(s.cfg.ReadTimeout.Seconds()))
	s.mu.Lock()
	type task struct {
		cmd   string
		since time.Duration
	}
	var tasks []task
	now := time.Now()
	for ss := range s.active {
		if ss.current != "" && ss.current != "STATS" {
			tasks = append(tasks, task{ss.current, now.Sub(ss.since)})
		}
	}
	s.mu.Unlock()
	slices.SortFunc(tasks, func(a, b task) int { return int(b.since - a.since) })
	fmt.Fprintf(&b, "QUEUE: %d items\n", max(len(tasks)-busy, 0))
	for _, t := range tasks {
		fmt.Fprintf(&b, "\t%s %f \n", t.cmd, t.since.Seconds())
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	mib := func(n uint64) float64 { return float64(n) / (1 << 20) }
	fmt.Fprintf(&b, "\nMEMSTATS: heap %.3fM mmap N/A used %.3fM free %.3fM releasable %.3fM pools 1 pools_used %.3fM pools_total %.3fM\n",
		mib(ms.HeapSys), mib(ms.HeapInuse), mib(ms.HeapIdle-ms.HeapReleased), mib(ms.HeapReleased), mib(ms.HeapAlloc), mib(ms.Sys))
	fmt.Fprintf(&b, "SCANS: %d found %d errors %d connections %d cached %d\n", s.stats.scans.Load(), s.stats.found.Load(), s.stats.errors.Load(), s.stats.connections.Load(), s.stats.cached.Load())
	b.WriteString("END")
	b.WriteByte(r.term)
	return []byte(b.String())
}
