package matcher

import (
	"bytes"
	"context"
	"fmt"
	"github.com/sigtool/sigtool/filetype"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/sigtool/sigtool/internal/procmem"
	"github.com/sigtool/sigtool/sigfile"
	"github.com/sigtool/sigtool/unpack"
)

// Benchmarks at the sizes the design targets. Run one at a time:
//
//	go test -run XXX -bench 'Build/body=300k' -benchtime 1x ./matcher/
//
// They report build seconds (signature generation excluded), peak RSS of
// the process (VmHWM, reset before each run where the kernel allows) and the
// heap the finished matcher retains.

var benchSizes = []struct {
	name         string
	body, hashes int
}{
	{"body=10k", 10_000, 0},
	{"body=100k", 100_000, 0},
	{"body=300k", 300_000, 0},
	{"body=300k,hash=4M", 300_000, 4_000_000},
}

// resetPeakRSS asks Linux to restart VmHWM accounting (best effort).
func resetPeakRSS() { procmem.ResetPeak() }

// peakRSS returns VmHWM in MB, or -1 when unavailable.
func peakRSS() float64 {
	hwm, ok := procmem.Status("VmHWM")["VmHWM"]
	if !ok {
		return -1
	}
	return float64(hwm) / (1 << 20)
}

func heapMB() float64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapAlloc) / (1 << 20)
}

// benchBuild adds generated signatures and builds; it returns the matcher
// and the seconds spent in Add and Build (generation subtracted).
func benchBuild(b *testing.B, body, hashes int) (*Matcher, float64) {
	b.Helper()
	start := time.Now()
	genBodySigs(body, 1, func(string, sigfile.Entry) {})
	genHashSigs(hashes, 2, func(string, sigfile.Entry) {})
	genCost := time.Since(start)

	start = time.Now()
	bl := NewBuilder()
	add := func(_ string, e sigfile.Entry) {
		if err := bl.Add(e); err != nil {
			b.Fatal(err)
		}
	}
	genBodySigs(body, 1, add)
	genHashSigs(hashes, 2, add)
	m, err := bl.Build(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	return m, (time.Since(start) - genCost).Seconds()
}

func BenchmarkBuild(b *testing.B) {
	for _, sz := range benchSizes {
		b.Run(sz.name, func(b *testing.B) {
			runtime.GC()
			resetPeakRSS()
			base := heapMB()
			var secs float64
			var m *Matcher
			for range b.N {
				m, secs = benchBuild(b, sz.body, sz.hashes)
			}
			b.ReportMetric(secs, "build-s")
			b.ReportMetric(peakRSS(), "peakRSS-MB")
			b.ReportMetric(heapMB()-base, "retained-MB")
			st := m.Stats()
			b.ReportMetric(float64(st.Anchored), "anchored")
			b.ReportMetric(float64(st.ShortAnchored+st.Slow), "slowpath")
			runtime.KeepAlive(m)
		})
	}
}

// benchData is random data: the clean-file case, where nothing matches and
// the filter decides the speed.
func benchData(n int) []byte {
	r := rand.New(rand.NewPCG(77, 78))
	d := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := range 8 {
			d[i+j] = byte(v >> (8 * j))
		}
	}
	return d
}

// BenchmarkScan scans 64 MiB of random data (nothing matches) at each
// size, twice: in place, as content in memory (unpack.Bytes: mail
// attachments, archive members), and copied chunk by chunk through a
// plain io.ReaderAt, as a file is read.
func BenchmarkScan(b *testing.B) {
	data := benchData(64 << 20)
	for _, sz := range benchSizes {
		b.Run(sz.name, func(b *testing.B) {
			m, _ := benchBuild(b, sz.body, sz.hashes)
			runtime.GC() // do not time the collection of build garbage
			// Nor the first touch of the new tables (page faults): a
			// serving matcher pays it once, and `make bench` runs one scan.
			if _, err := m.Detect(context.Background(), unpack.Bytes(data), int64(len(data))); err != nil {
				b.Fatal(err)
			}
			for _, src := range []struct {
				name string
				r    io.ReaderAt
			}{{"inplace", unpack.Bytes(data)}, {"readat", bytes.NewReader(data)}} {
				b.Run(src.name, func(b *testing.B) {
					b.SetBytes(int64(len(data)))
					b.ReportAllocs()
					for range b.N {
						got, err := m.Detect(context.Background(), src.r, int64(len(data)))
						if err != nil || len(got) != 0 {
							b.Fatalf("clean data: %v %v", got, err)
						}
					}
				})
			}
		})
	}
}

// BenchmarkScanSmall is the mail-gateway case: many small attachments.
func BenchmarkScanSmall(b *testing.B) {
	m, _ := benchBuild(b, 100_000, 0)
	data := benchData(16 << 10)
	runtime.GC()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := m.Detect(context.Background(), unpack.Bytes(data), int64(len(data))); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTiers measures each filter tier of the 300k matcher alone on
// random data: the kernel, the lookups of passing probes and their
// candidates.
func BenchmarkTiers(b *testing.B) {
	m, _ := benchBuild(b, 300_000, 0)
	data := benchData(64 << 20)
	for _, t := range m.tiers {
		name := fmt.Sprintf("stride=%d,q=%d,entries=%dk,filter=%dKB", t.stride, t.q, len(t.keys)>>10, (len(t.bloom)+len(t.direct))>>8)
		b.Run(name, func(b *testing.B) { benchTier(b, m, t, data) })
	}
}

// benchTier probes data with one tier of m, chunk by chunk as a scan does.
func benchTier(b *testing.B, m *Matcher, t *gramTier, data []byte) {
	b.SetBytes(int64(len(data)))
	for range b.N {
		d := m.getDetection(bytes.NewReader(data), int64(len(data)), filetype.Info{})
		for off := 0; off < len(data); off += defaultChunk {
			end := min(off+defaultChunk+gramLen, len(data))
			d.v.buf, d.v.off = data[off:end], int64(off)
			t.probe(data[off:end], int64(off), int64(off), end == len(data), d)
		}
		m.putDetection(d)
	}
}

// BenchmarkScanSegments compares one Segment with the same database split
// as the engine splits a store (~6k body signatures, ~120k hashes per
// segment): what a scan pays for segments, on 16 KiB files (the mail
// case, where per-file costs show) and on 64 MiB.
func BenchmarkScanSegments(b *testing.B) {
	const body, hashes = 100_000, 1_000_000
	build := func(bodyPer, hashPer int) *Matcher {
		ctx := context.Background()
		var segs []*Segment
		bl, n := NewBuilder(), 0
		flush := func() {
			s, err := bl.BuildSegment(ctx)
			if err != nil {
				b.Fatal(err)
			}
			segs = append(segs, s)
			bl, n = NewBuilder(), 0
		}
		add := func(per int) func(string, sigfile.Entry) {
			return func(_ string, e sigfile.Entry) {
				if err := bl.Add(e); err != nil {
					b.Fatal(err)
				}
				if n++; n == per {
					flush()
				}
			}
		}
		genBodySigs(body, 1, add(bodyPer))
		flush()
		genHashSigs(hashes, 2, add(hashPer))
		flush()
		m, err := Combine(ctx, segs...)
		if err != nil {
			b.Fatal(err)
		}
		return m
	}
	small, large := benchData(16<<10), benchData(64<<20)
	for _, layout := range []struct {
		name             string
		bodyPer, hashPer int
	}{{"one", body + 1, hashes + 1}, {"split", 6_000, 120_000}} {
		m := build(layout.bodyPer, layout.hashPer)
		runtime.GC()
		for _, data := range [][]byte{small, large} {
			// Small files a thousand at a time, so that "make bench"
			// (-benchtime 1x) measures more than the first call.
			reps := 1
			if len(data) < 1<<20 {
				reps = 1000
			}
			b.Run(fmt.Sprintf("%s,segments=%d,size=%dKiB", layout.name, len(m.segs), len(data)>>10), func(b *testing.B) {
				b.SetBytes(int64(reps * len(data)))
				for range b.N {
					for range reps {
						if _, err := m.Detect(context.Background(), bytes.NewReader(data), int64(len(data))); err != nil {
							b.Fatal(err)
						}
					}
				}
			})
		}
	}
}
