package engine

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sigtool/sigtool/sigdb"
)

// The swap tests import versions of a feed "markers" whose signature set
// is a known function of the version, and check that every scan's result is
// exactly that of the version its snapshot says it was compiled from.

const maxMarker = 40

// swapPayload holds every marker and the static feed's text; its MD5 is
// listed (under Sigtool.Test.Hash) in the even versions only.
var swapPayload = func() []byte {
	var b strings.Builder
	b.WriteString("engine swap test payload\n")
	for k := 0; k <= maxMarker; k++ {
		b.WriteString(marker(k) + "\n")
	}
	b.WriteString("STATIC-FEED-MARKER\n")
	return []byte(b.String())
}()

// markerFiles is version v of the markers feed: body signatures for
// markers v and v+1, and the payload's hash in even versions.
func markerFiles(v int) []string {
	ndb := ndbLine(fmt.Sprintf("Sigtool.Test.Marker-%03d", v), marker(v)) +
		ndbLine(fmt.Sprintf("Sigtool.Test.Marker-%03d", v+1), marker(v+1))
	sum := md5.Sum(swapPayload)
	name := "Sigtool.Test.Hash"
	if v%2 == 1 {
		sum = md5.Sum([]byte(fmt.Sprint("not the payload ", v)))
		name = "Sigtool.Test.OtherHash"
	}
	hdb := fmt.Sprintf("%s:%d:%s\n", hex.EncodeToString(sum[:]), len(swapPayload), name)
	return []string{"markers.ndb", ndb, "markers.hdb", hdb}
}

// markerWant is what a scan of swapPayload finds at markers version v.
func markerWant(v int) []string {
	want := []string{fmt.Sprintf("Sigtool.Test.Marker-%03d", v), fmt.Sprintf("Sigtool.Test.Marker-%03d", v+1), "Sigtool.Test.Static"}
	if v%2 == 0 {
		want = append(want, "Sigtool.Test.Hash")
	}
	return want
}

func putMarkers(t testing.TB, db *sigdb.DB, v int) {
	put(t, db, "markers", v, sigdb.ImportOptions{}, markerFiles(v)...)
}

func zipOf(t testing.TB, name string, data []byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSwapUnderLoad(t *testing.T) {
	const updates = 20
	ctx := context.Background()
	db := openStore(t)
	put(t, db, "static", 1, sigdb.ImportOptions{}, "static.ndb", ndbLine("Sigtool.Test.Static", "STATIC-FEED-MARKER"))
	putMarkers(t, db, 1)
	live := NewLive(Options{})
	if live.Current() != nil {
		t.Fatal("Current before the first Reload is not nil")
	}
	if err := live.Reload(ctx, db); err != nil {
		t.Fatal(err)
	}
	archive := zipOf(t, "inner.txt", swapPayload)

	var (
		stop     atomic.Bool
		wg       sync.WaitGroup
		scans    atomic.Int64
		seenMu   sync.Mutex
		seenVers = map[int]int{}
	)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				s := live.Current()
				v, ok := s.Version("markers")
				if !ok {
					t.Errorf("snapshot %d has no markers feed", s.Generation)
					return
				}
				var got []string
				if (g+i)%3 == 0 { // through the archive scanner
					res, err := s.Scan.Scan(ctx, "payload.zip", bytes.NewReader(archive), int64(len(archive)))
					if err != nil {
						t.Errorf("scan: %v", err)
						return
					}
					for _, f := range res.Findings() {
						got = append(got, f.Signature)
					}
				} else {
					got = detect(t, s, swapPayload)
				}
				if want := markerWant(v); !equalNames(got, want) {
					t.Errorf("generation %d (markers v%d): found %v, want %v", s.Generation, v, got, want)
					return
				}
				scans.Add(1)
				seenMu.Lock()
				seenVers[v]++
				seenMu.Unlock()
			}
		}()
	}
	for v := 2; v <= updates+1; v++ {
		putMarkers(t, db, v)
		if err := live.Reload(ctx, db); err != nil {
			t.Fatalf("reload to v%d: %v", v, err)
		}
		if got, _ := live.Current().Version("markers"); got != v {
			t.Fatalf("after reload to v%d Current holds v%d", v, got)
		}
		// The static feed's segment is shared by every version, while
		// scans on older snapshots still use it.
		if s := live.Current(); s.Reused == 0 || s.Reused == s.Segments {
			t.Fatalf("reload to v%d reused %d of %d segments, want the static feed's only", v, s.Reused, s.Segments)
		}
		time.Sleep(5 * time.Millisecond) // let scans run on each version
	}
	stop.Store(true)
	wg.Wait()
	if g := live.Current().Generation; g != updates+1 {
		t.Errorf("generation %d after %d updates, want %d", g, updates, updates+1)
	}
	if len(seenVers) < 2 {
		t.Errorf("scans saw only versions %v; the test did not overlap scans and swaps", seenVers)
	}
	t.Logf("%d scans over %d versions", scans.Load(), len(seenVers))
}

// TestCompileWhileWriting reloads while another goroutine keeps importing
// new versions: every snapshot that Reload accepts must hold exactly the
// signatures of the versions it reports.
func TestCompileWhileWriting(t *testing.T) {
	ctx := context.Background()
	db := openStore(t)
	put(t, db, "static", 1, sigdb.ImportOptions{}, "static.ndb", ndbLine("Sigtool.Test.Static", "STATIC-FEED-MARKER"))
	putMarkers(t, db, 1)
	live := NewLive(Options{GCPercent: -1})

	done := make(chan struct{})
	go func() {
		defer close(done)
		for v := 2; v <= maxMarker-1; v++ {
			putMarkers(t, db, v)
		}
	}()
	ok, changed := 0, 0
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		err := live.Reload(ctx, db)
		switch {
		case errors.Is(err, ErrStoreChanged):
			changed++
			continue
		case err != nil:
			t.Fatal(err)
		}
		ok++
		s := live.Current()
		v, _ := s.Version("markers")
		if got, want := detect(t, s, swapPayload), markerWant(v); !equalNames(got, want) {
			t.Fatalf("snapshot says markers v%d but finds %v, want %v", v, got, want)
		}
	}
	if v, _ := live.Current().Version("markers"); v != maxMarker-1 {
		t.Errorf("final snapshot holds v%d, want v%d", v, maxMarker-1)
	}
	t.Logf("%d reloads succeeded, %d saw the store change", ok, changed)
}
