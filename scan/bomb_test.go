package scan

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"io"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// layeredBomb builds a 42.zip-like archive: the bottom zip holds 16 copies
// of 1 MiB of zeros, and each layer above holds 16 copies of the layer
// below. Five layers expand to 16^5 MiB = 1 TiB from a few tens of KiB.
func layeredBomb(t testing.TB, layers int) []byte {
	t.Helper()
	zeros := make([]byte, 1<<20)
	level := func(name string, data []byte) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(w, flate.BestCompression)
		})
		for i := 0; i < 16; i++ {
			w, err := zw.Create(name + "-" + string(rune('a'+i)))
			if err != nil {
				t.Fatal(err)
			}
			w.Write(data)
		}
		zw.Close()
		return buf.Bytes()
	}
	data := level("zeros", zeros)
	for i := 1; i < layers; i++ {
		data = level("layer.zip", data)
	}
	return data
}

func TestLayeredBomb(t *testing.T) {
	bomb := layeredBomb(t, 5)
	if len(bomb) > 1<<20 {
		t.Fatalf("bomb is %d bytes", len(bomb))
	}
	var peak atomic.Uint64
	var calls atomic.Int64
	d := &fakeDetector{peek: func(int64) {
		if calls.Add(1)%16 == 0 {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
		}
	}}
	start := time.Now()
	res, err := New(d, DefaultOptions()).Scan(context.Background(), "42.zip", bytes.NewReader(bomb), int64(len(bomb)))
	if err != nil {
		t.Fatal(err)
	}
	bound := 30 * time.Second
	if raceEnabled {
		bound *= 10
	}
	if elapsed := time.Since(start); elapsed > bound {
		t.Errorf("took %v", elapsed)
	}
	if res.Problem() == nil {
		t.Fatalf("bomb scanned without any limit:\n%s", outline(res))
	}
	limits := map[string]int{}
	for n := range res.All() {
		if n.Limit != "" {
			limits[n.Limit]++
		}
	}
	if len(limits) == 0 {
		t.Errorf("no limit recorded; problem %v", res.Problem())
	}
	if scanned := d.bytes.Load(); scanned > 600<<20 {
		t.Errorf("detector saw %d MiB; MaxScanSize should bound it near 400", scanned>>20)
	}
	if peak.Load() > 512<<20 {
		t.Errorf("heap peaked at %d MiB", peak.Load()>>20)
	}
	t.Logf("limits %v, detector saw %d MiB in %d calls, heap peak %d MiB", limits, d.bytes.Load()>>20, d.calls.Load(), peak.Load()>>20)
}
