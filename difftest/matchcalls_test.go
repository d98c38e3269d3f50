package difftest

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/sigtool/sigtool/filetype"
	"github.com/sigtool/sigtool/internal/realfiles"
	"github.com/sigtool/sigtool/matcher"
	"github.com/sigtool/sigtool/scan"
	"github.com/sigtool/sigtool/unpack"
)

// matchCall is one Match call a scan made: its content and description.
type matchCall struct {
	data []byte
	info filetype.Info
}

// recorder is a scan.Detector that keeps a copy of every call it passes on.
type recorder struct {
	m     *matcher.Matcher
	calls []matchCall
}

func (r *recorder) Match(ctx context.Context, rd io.ReaderAt, size int64, info filetype.Info) (matcher.Result, error) {
	data := make([]byte, size)
	if _, err := rd.ReadAt(data, 0); err != nil && err != io.EOF {
		return matcher.Result{}, fmt.Errorf("recorder: %w", err)
	}
	r.calls = append(r.calls, matchCall{data, info})
	return r.m.Match(ctx, unpack.Bytes(data), size, info)
}

// threadCPU is the CPU time of the calling thread (RUSAGE_THREAD, Linux);
// 0 where that is not known.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(1, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkMatchCalls: the matcher alone, with ClamAV's databases, on the
// Match calls a scan of the documents class (internal/realfiles) makes, one
// per layer, part and normalised view: most are small, so this measures
// the fixed cost of a call. "all" replays every call, "small" those of
// less than 4 KiB; us/call is per call replayed, cpu-us/call its thread CPU time.
func BenchmarkMatchCalls(b *testing.B) {
	docs := realfiles.Documents()
	if docs.Missing != "" {
		b.Skip(docs.Missing)
	}
	m, err := loadDir(context.Background(), realDatabase(b))
	if err != nil {
		b.Fatal(err)
	}
	rec := &recorder{m: m}
	eng := scan.New(rec, scan.DefaultOptions())
	for _, f := range docs.Files {
		if _, err := eng.ScanFile(context.Background(), f); err != nil {
			b.Fatal(err)
		}
	}
	var small []matchCall
	for _, c := range rec.calls {
		if len(c.data) < 4096 {
			small = append(small, c)
		}
	}
	for _, set := range []struct {
		name  string
		calls []matchCall
	}{{"all", rec.calls}, {"small", small}} {
		b.Run(set.name, func(b *testing.B) {
			var n int64
			for _, c := range set.calls {
				n += int64(len(c.data))
			}
			b.SetBytes(n)
			// Thread CPU time as well as wall time: on a loaded machine
			// the wall time of a call says more about the load.
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			cpu0 := threadCPU()
			for b.Loop() {
				for _, c := range set.calls {
					if _, err := m.Match(context.Background(), unpack.Bytes(c.data), int64(len(c.data)), c.info); err != nil {
						b.Fatal(err)
					}
				}
			}
			calls := float64(b.N * len(set.calls))
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e3/calls, "us/call")
			if cpu := threadCPU() - cpu0; cpu > 0 {
				b.ReportMetric(float64(cpu.Nanoseconds())/1e3/calls, "cpu-us/call")
			}
			b.ReportMetric(float64(len(set.calls)), "calls")
		})
	}
}
