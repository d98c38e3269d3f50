package clamd

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sigtool/sigtool/daemonconfig"
	"github.com/sigtool/sigtool/engine"
	"github.com/sigtool/sigtool/internal/procmem"
	"github.com/sigtool/sigtool/sigdb"
)

// reloadFiles is version v of a feed: bulk body and hash signatures that
// stay the same, and last one line naming v that matches reloadHit.
func reloadFiles(bulk []byte, v int) []sigdb.File {
	line := fmt.Sprintf("Sigtool.Reload.V%d:0:*:%s\n", v, hex.EncodeToString(reloadPattern))
	return []sigdb.File{
		{Name: "bulk.ndb", Data: bulk},
		{Name: "zz-version.ndb", Data: []byte(line)},
	}
}

var reloadPattern = []byte("SIGTOOL-RELOAD-UNDER-LOAD-PATTERN")

func bulkSignatures(body, hashes int) (ndb, hdb []byte) {
	rng := rand.New(rand.NewPCG(1, 2))
	var b, h bytes.Buffer
	pat := make([]byte, 16)
	for i := range body {
		for j := range pat {
			pat[j] = byte(rng.Uint32())
		}
		fmt.Fprintf(&b, "Bulk.Body.%d:0:*:%s\n", i, hex.EncodeToString(pat))
	}
	for i := range hashes {
		sum := md5.Sum(fmt.Appendf(nil, "hash %d", i))
		fmt.Fprintf(&h, "%s:%d:Bulk.Hash.%d\n", hex.EncodeToString(sum[:]), 1000+i%5000, i)
	}
	return b.Bytes(), h.Bytes()
}

// TestReloadUnderLoad: 64 clients stream files over INSTREAM while 20
// updates of the store are swapped in. Every scan must be answered, and
// answered right: a file carrying the version pattern is found under the
// name of a version that was serving at some moment between the request's
// start and its reply; a clean file is OK. Peak anonymous memory during
// the reloads stays within 1.5x the steady state.
func TestReloadUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles 20 versions of a database under load")
	}
	body, hashes := 50000, 500000
	if raceEnabled {
		body, hashes = 5000, 50000
	}
	ndb, hdb := bulkSignatures(body, hashes)
	dir := t.TempDir()
	db, err := sigdb.Open(filepath.Join(dir, "s.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	publish := func(v int) {
		files := append(reloadFiles(ndb, v), sigdb.File{Name: "bulk.hdb", Data: hdb})
		if _, err := db.ReplaceFeed(ctx, sigdb.FeedMeta{Name: "reload", Version: v}, files, sigdb.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	publish(1)
	live := engine.NewLive(engine.Options{})
	if err := live.Reload(ctx, db); err != nil {
		t.Fatal(err)
	}
	c, _ := daemonconfig.Parse([]byte("[scan]\ntcp = \"127.0.0.1:0\"\nmax_queue = 128\n"))
	srv := New(c.Scan, Options{Engine: live, Version: "test", TempDir: dir})
	lns, err := srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	go srv.Serve(sctx, lns[0])
	defer func() { cancel(); srv.Wait() }()
	addr := lns[0].Addr().String()

	// serving is the version of the snapshot serving now.
	serving := func() int { return live.Current().Versions["reload"] }
	hit := append(append(bytes.Repeat([]byte("padding "), 4000), reloadPattern...), bytes.Repeat([]byte(" tail"), 2000)...)
	cleanFile := bytes.Repeat([]byte("nothing to see here "), 3000)

	var scans, wrong atomic.Int64
	var failures sync.Map
	stop := make(chan struct{})
	client := func(id int) {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			data := hit
			if (id+i)%3 == 0 {
				data = cleanFile
			}
			before := serving()
			conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
			if err != nil {
				wrong.Add(1)
				failures.Store(fmt.Sprintf("client %d dial: %v", id, err), true)
				continue
			}
			conn.SetDeadline(time.Now().Add(60 * time.Second))
			conn.Write(append([]byte("zINSTREAM\x00"), chunks(data, 8192)...))
			var out bytes.Buffer
			out.ReadFrom(conn)
			conn.Close()
			after := serving()
			scans.Add(1)
			reply := out.String()
			ok := false
			if bytes.Equal(data, cleanFile) {
				ok = reply == "stream: OK\x00"
			} else {
				var v int
				if _, err := fmt.Sscanf(reply, "stream: Sigtool.Reload.V%d FOUND\x00", &v); err == nil {
					ok = v >= before && v <= after && strings.HasSuffix(reply, " FOUND\x00")
				}
			}
			if !ok {
				wrong.Add(1)
				failures.Store(fmt.Sprintf("client %d: %q (serving v%d before, v%d after)", id, reply, before, after), true)
			}
		}
	}
	var wg sync.WaitGroup
	for id := range 64 {
		wg.Go(func() { client(id) })
	}

	// Steady state: under load, before any reload.
	time.Sleep(time.Second)
	runtime.GC()
	steady := procmem.Status("RssAnon")["RssAnon"]
	var peak, cyclePeak atomic.Int64
	var reloading atomic.Bool
	sampling := make(chan struct{})
	go func() {
		defer close(sampling)
		for {
			rss := procmem.Status("RssAnon")["RssAnon"]
			cyclePeak.Store(max(cyclePeak.Load(), rss))
			if reloading.Load() {
				peak.Store(max(peak.Load(), rss))
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	startScans := scans.Load()
	for v := 2; v <= 21; v++ {
		publish(v) // the import is the updater's part of a cycle, measured apart
		// As the daemon does after an update's transaction: the import's
		// garbage goes back to the system before the compile starts.
		debug.FreeOSMemory()
		reloading.Store(true)
		err := live.Reload(ctx, db)
		reloading.Store(false)
		if err != nil {
			t.Fatalf("reload %d: %v", v, err)
		}
		if serving() != v {
			t.Fatalf("after reload %d the server serves v%d", v, serving())
		}
	}
	during := scans.Load() - startScans
	time.Sleep(200 * time.Millisecond) // scans that began on v21 finish on it
	close(stop)
	wg.Wait()
	<-sampling
	failures.Range(func(k, _ any) bool {
		t.Error(k)
		return true
	})
	if wrong.Load() > 0 || scans.Load() == 0 {
		t.Fatalf("%d of %d scans failed or were wrong", wrong.Load(), scans.Load())
	}
	if during < 64 {
		t.Errorf("only %d scans ran during the 20 reloads: the load did not overlap them", during)
	}
	t.Logf("%d scans, %d during 20 reloads; %d body + %d hash signatures; RssAnon steady %d MiB, peak during reloads %d MiB (%.2fx), with the imports %d MiB (%.2fx)",
		scans.Load(), during, body, hashes, steady>>20, peak.Load()>>20, float64(peak.Load())/float64(steady),
		cyclePeak.Load()>>20, float64(cyclePeak.Load())/float64(steady))
	if steady > 0 && float64(peak.Load()) > 1.5*float64(steady) {
		t.Errorf("peak RssAnon %d MiB during reloads is over 1.5x the steady %d MiB", peak.Load()>>20, steady>>20)
	}
}
