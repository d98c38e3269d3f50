package scan

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
)

// One Engine scanned from many goroutines gives each the same answer as a
// lone scan; run with -race to check the engine shares nothing mutable.
func TestConcurrentScans(t *testing.T) {
	inputs := map[string][]byte{
		"a.zip":  zipOf(t, f("x", marker), f("in.zip", string(zipOf(t, f("y", "clean"))))),
		"b.tgz":  gzipOf(t, "b.tar", tarOf(t, f("m", marker), f("n", "n"))),
		"c.txt":  []byte("plain"),
		"d.zip":  zipOf(t, f("big", string(bytes.Repeat([]byte("z"), 1<<20)))),
		"e.7z":   readFixture(t, "plain.7z"),
		"f.nest": nestZip(t, []byte(marker), 5),
	}
	e := New(&fakeDetector{}, DefaultOptions())
	want := map[string]string{}
	for name, data := range inputs {
		want[name] = outline(scanBytes(t, e, name, data))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 3; i++ {
				for name, data := range inputs {
					res, err := e.Scan(context.Background(), name, bytes.NewReader(data), int64(len(data)))
					if err != nil {
						errs <- err
						return
					}
					if got := outline(res); got != want[name] {
						errs <- fmt.Errorf("%s: concurrent result differs:\n%s\nwant\n%s", name, got, want[name])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
