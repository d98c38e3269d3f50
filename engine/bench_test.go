package engine

import (
	"bytes"
	"context"
	"github.com/sigtool/sigtool/internal/procmem"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sigtool/sigtool/matcher"
	"github.com/sigtool/sigtool/sigdb"
	"github.com/sigtool/sigtool/sigfile"
)

// benchSize is the generated database: small by default, ClamAV-sized
// (300k body signatures, 4M hashes) with SIGTOOL_BENCH_FULL=1.
func benchSize() (body, hashes int) {
	if os.Getenv("SIGTOOL_BENCH_FULL") == "1" {
		return 300_000, 4_000_000
	}
	return 20_000, 200_000
}

// benchOptions are the Options of the compile benchmarks:
// SIGTOOL_BENCH_GCPERCENT sets GCPercent, to weigh the GC target against
// time and peak memory (GOGC and GOMEMLIMIT work as usual).
func benchOptions(b *testing.B) Options {
	var opt Options
	if v := os.Getenv("SIGTOOL_BENCH_GCPERCENT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatalf("SIGTOOL_BENCH_GCPERCENT: %v", err)
		}
		opt.GCPercent = n
	}
	return opt
}

// benchFeed is one version of a generated feed: the same bulk each time,
// plus a few hundred signatures that change with the version, as a daily
// update does.
func benchFeed(body, hashes, version int) []sigdb.File {
	var ndb, hdb, hsb bytes.Buffer
	for _, l := range matcher.GenerateBodySigs(body, 1) {
		ndb.WriteString(l + "\n")
	}
	for _, l := range matcher.GenerateBodySigs(500, uint64(1000+version)) {
		ndb.WriteString(strings.Replace(l, "Gen.Body-", "Gen.Daily-"+strconv.Itoa(version)+"-", 1) + "\n")
	}
	for _, l := range matcher.GenerateHashSigs(hashes, 2) {
		if i := strings.IndexByte(l, ':'); i == 32 {
			hdb.WriteString(l + "\n")
		} else {
			hsb.WriteString(l + "\n")
		}
	}
	return []sigdb.File{{Name: "bench.ndb", Data: ndb.Bytes()}, {Name: "bench.hdb", Data: hdb.Bytes()}, {Name: "bench.hsb", Data: hsb.Bytes()}}
}

// procStatus reads fields of /proc/self/status, in bytes.
func procStatus(fields ...string) map[string]int64 { return procmem.Status(fields...) }

// peakSampler polls the anonymous RSS (the heap; the store's mmap is file
// backed and reclaimable) while a reload runs.
type peakSampler struct {
	stop chan struct{}
	wg   sync.WaitGroup
	peak int64
}

func samplePeak() *peakSampler {
	p := &peakSampler{stop: make(chan struct{})}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			p.peak = max(p.peak, procStatus("RssAnon")["RssAnon"])
			select {
			case <-p.stop:
				return
			case <-t.C:
			}
		}
	}()
	return p
}

func (p *peakSampler) done() int64 {
	close(p.stop)
	p.wg.Wait()
	return max(p.peak, procStatus("RssAnon")["RssAnon"])
}

// BenchmarkReload measures, for a generated database, the time from an
// update landing in the store to the new matcher serving (Reload), the
// import before it, and the anonymous RSS before and at the peak of the
// swap. Goal: peak < 1.5x steady state.
func BenchmarkReload(b *testing.B) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		b.Skip("needs /proc/self/status for RSS")
	}
	ctx := context.Background()
	body, hashes := benchSize()
	db := openStore(b)
	if _, err := db.ReplaceFeed(ctx, sigdb.FeedMeta{Name: "bench", Version: 1}, benchFeed(body, hashes, 1), sigdb.ImportOptions{}); err != nil {
		b.Fatal(err)
	}
	live := NewLive(benchOptions(b))
	if err := live.Reload(ctx, db); err != nil {
		b.Fatal(err)
	}
	st := live.Current().Stats()
	b.Logf("matcher: %d body, %d hash signatures, %d patterns", st.BodySigs, st.HashSigs, st.Patterns)

	var worst float64
	var steadyMB, peakMB, hwmMB, reloadS, importS float64
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		files := benchFeed(body, hashes, i+2)
		t0 := time.Now()
		if _, err := db.ReplaceFeed(ctx, sigdb.FeedMeta{Name: "bench", Version: i + 2}, files, sigdb.ImportOptions{}); err != nil {
			b.Fatal(err)
		}
		importS = time.Since(t0).Seconds()
		files = nil
		debug.FreeOSMemory()
		steady := procStatus("RssAnon")["RssAnon"]
		// Reset VmHWM (Linux 4.0+), so that it is the peak of this reload
		// alone, store pages included, and not of building the feed.
		resetHWM := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil // procmem.ResetPeak, but the result matters here
		p := samplePeak()
		b.StartTimer()

		t1 := time.Now()
		if err := live.Reload(ctx, db); err != nil {
			b.Fatal(err)
		}
		reloadS = time.Since(t1).Seconds()

		b.StopTimer()
		peak := p.done()
		if resetHWM {
			hwmMB = max(hwmMB, float64(procStatus("VmHWM")["VmHWM"])/(1<<20))
		}
		if v, _ := live.Current().Version("bench"); v != i+2 {
			b.Fatalf("serving v%d after reload to v%d", v, i+2)
		}
		ratio := float64(peak) / float64(steady)
		if ratio > worst {
			worst, steadyMB, peakMB = ratio, float64(steady)/(1<<20), float64(peak)/(1<<20)
		}
		b.StartTimer()
	}
	b.StopTimer()
	runtime.KeepAlive(live)
	b.ReportMetric(float64(live.Current().Segments), "segments")
	b.ReportMetric(float64(live.Current().Reused), "reused")
	b.ReportMetric(reloadS, "reload-s")
	b.ReportMetric(importS, "import-s")
	b.ReportMetric(steadyMB, "steady-anon-MB")
	b.ReportMetric(peakMB, "peak-anon-MB")
	if hwmMB > 0 {
		b.ReportMetric(hwmMB, "hwm-MB")
	}
	b.ReportMetric(worst, "peak/steady")
}

// BenchmarkCompile is Compile alone on the generated database.
func BenchmarkCompile(b *testing.B) {
	ctx := context.Background()
	body, hashes := benchSize()
	db := openStore(b)
	if _, err := db.ReplaceFeed(ctx, sigdb.FeedMeta{Name: "bench", Version: 1}, benchFeed(body, hashes, 1), sigdb.ImportOptions{}); err != nil {
		b.Fatal(err)
	}
	opt := benchOptions(b)
	b.ResetTimer()
	for range b.N {
		if _, err := CompileWith(ctx, db, opt); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompileRead is the part of Compile before matcher.Combine:
// reading the store, parsing, adding to the builders and building the
// segments. "serial" is how Compile read before the pipeline (one
// goroutine, a string per line, one segment), kept here as the yardstick;
// "lines" is the pipeline fed by ForEachLine (any Source), "chunks" the
// pipeline fed by the store's chunks.
func BenchmarkCompileRead(b *testing.B) {
	ctx := context.Background()
	body, hashes := benchSize()
	db := openStore(b)
	if _, err := db.ReplaceFeed(ctx, sigdb.FeedMeta{Name: "bench", Version: 1}, benchFeed(body, hashes, 1), sigdb.ImportOptions{}); err != nil {
		b.Fatal(err)
	}
	run := func(b *testing.B, read func(c *compiler) error) {
		defer lowerGC(defaultGCPercent)()
		for range b.N {
			c := newCompiler(ctx, &Options{}, nil)
			if err := read(c); err != nil {
				b.Fatal(err)
			}
			lines := c.snap.Lines
			for _, g := range c.groups {
				if g.part != nil {
					lines += g.part.lines
				}
			}
			b.ReportMetric(float64(lines), "lines")
		}
	}
	b.Run("serial", func(b *testing.B) {
		run(b, func(c *compiler) error {
			bl := matcher.NewBuilder()
			defer bl.BuildSegment(ctx)
			return db.ForEachLine(ctx, func(l sigdb.Line) error {
				c.snap.Lines++
				text := string(l.Text)
				e, err := sigfile.ParseLine(l.Kind, text)
				if err != nil || e.Skip != "" || (l.PUA && !c.opt.PUA) {
					return nil
				}
				bl.AddLine(e, text)
				return nil
			})
		})
	})
	b.Run("lines", func(b *testing.B) {
		run(b, func(c *compiler) error { return c.pass(linesOnly{db}, notIgnore, true) })
	})
	b.Run("chunks", func(b *testing.B) {
		run(b, func(c *compiler) error { return c.pass(db, notIgnore, true) })
	})
}
