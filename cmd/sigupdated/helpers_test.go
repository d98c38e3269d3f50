package main

import (
	"bufio"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sigtool/sigtool/feeds"
	"github.com/sigtool/sigtool/sigdb"
)

var (
	binDir    string
	buildOnce sync.Once
	buildErr  error
)

func TestMain(m *testing.M) {
	var err error
	if binDir, err = os.MkdirTemp("", "sigupdated-test-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(binDir)
	os.Exit(code)
}

// binary builds this command once per test run.
func binary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(binDir, "sigupdated")
	buildOnce.Do(func() {
		out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return bin
}

// nativeFeed publishes versions of a native feed named "crash" over HTTP.
type nativeFeed struct {
	t         *testing.T
	dir       string // what the server serves
	staging   string
	priv, pub string
	lines     int // body signatures per version
	srv       *httptest.Server
	mu        sync.Mutex
	published map[int][]sigdb.File
}

func newNativeFeed(t *testing.T, lines int) *nativeFeed {
	pub, priv, err := feeds.Keygen()
	if err != nil {
		t.Fatal(err)
	}
	f := &nativeFeed{t: t, dir: t.TempDir(), staging: t.TempDir(), priv: priv, pub: pub, lines: lines, published: map[int][]sigdb.File{}}
	f.srv = httptest.NewServer(http.FileServer(http.Dir(f.dir)))
	t.Cleanup(f.srv.Close)
	return f
}

// versionFiles is the content of version v: every line names v, so a
// store holding parts of two versions cannot pass for either.
func versionFiles(v, lines int) []sigdb.File {
	var ndb strings.Builder
	for i := range lines {
		text := fmt.Sprintf("crash-test-v%d-sig%d-marker", v, i)
		fmt.Fprintf(&ndb, "Sigtool.Crash.V%d.S%d:0:*:%s\n", v, i, hex.EncodeToString([]byte(text)))
	}
	hdb := fmt.Sprintf("%032x:%d:Sigtool.Crash.Hash.V%d\n", v, 100+v, v)
	return []sigdb.File{{Name: "crash.ndb", Data: []byte(ndb.String())}, {Name: "crash.hdb", Data: []byte(hdb)}}
}

func (f *nativeFeed) publish(v int) {
	f.t.Helper()
	files := versionFiles(v, f.lines)
	var paths []string
	for _, file := range files {
		p := filepath.Join(f.staging, file.Name)
		if err := os.WriteFile(p, file.Data, 0o644); err != nil {
			f.t.Fatal(err)
		}
		paths = append(paths, p)
	}
	if err := feeds.BuildNativeFeed(f.dir, f.priv, feeds.NativeBuild{Feed: "crash", Version: v, Files: paths}); err != nil {
		f.t.Fatal(err)
	}
	// http.FileServer's Last-Modified has one-second resolution, and the
	// updater asks If-Modified-Since: two versions published within a
	// second would look unchanged. Give each version its own time.
	mod := time.Unix(1_700_000_000+int64(v)*60, 0)
	for _, n := range []string{feeds.ManifestName, feeds.ManifestSigName, "crash.ndb", "crash.hdb"} {
		if err := os.Chtimes(filepath.Join(f.dir, n), mod, mod); err != nil {
			f.t.Fatal(err)
		}
	}
	f.mu.Lock()
	f.published[v] = files
	f.mu.Unlock()
}

// writeConfig writes a configuration for feed into dir and returns its
// path and the store's path.
func writeConfig(t *testing.T, dir string, f *nativeFeed, extra string) (cfgPath, dbPath string) {
	t.Helper()
	dbPath = filepath.Join(dir, "store.db")
	tmp := filepath.Join(dir, "tmp")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`db = %q
checks_per_day = 24
temp_dir = %q
%s
[[feed]]
name = "crash"
type = "native"
mirrors = [%q]
public_key = %q
`, dbPath, tmp, extra, f.srv.URL+"/", f.pub)
	cfgPath = filepath.Join(dir, "sigupdated.toml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfgPath, dbPath
}

// storeVersion opens the store read-only, checks it with Verify, and
// returns the version of feed "crash" (0 when absent) after checking that
// its files are byte for byte those published for that version.
func storeVersion(t *testing.T, dbPath string, f *nativeFeed) int {
	t.Helper()
	if _, err := os.Stat(dbPath); os.IsNotExist(err) {
		return 0
	}
	db, err := sigdb.Open(dbPath, &sigdb.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("store does not open: %v", err)
	}
	defer db.Close()
	var problems []string
	if _, err := db.Verify(context.Background(), func(p sigdb.Problem) { problems = append(problems, p.String()) }); err != nil || len(problems) > 0 {
		t.Fatalf("store fails Verify: %v %q", err, problems)
	}
	fi, err := db.Feed("crash")
	if err != nil {
		return 0
	}
	got, err := db.FeedFiles(context.Background(), "crash")
	if err != nil {
		t.Fatalf("read feed: %v", err)
	}
	f.mu.Lock()
	want, ok := f.published[fi.Version]
	f.mu.Unlock()
	if !ok {
		t.Fatalf("store holds version %d, which was never published", fi.Version)
	}
	if len(got) != len(want) {
		t.Fatalf("store holds %d files for version %d, published %d", len(got), fi.Version, len(want))
	}
	for i := range want {
		if got[i].Name != want[i].Name || string(got[i].Data) != string(want[i].Data) {
			t.Fatalf("version %d: file %s differs from what was published (a mix of versions?)", fi.Version, got[i].Name)
		}
	}
	return fi.Version
}

// startDaemon starts bin with args and watches its log; exited receives
// the result of its Wait once.
func startDaemon(t *testing.T, bin string, args ...string) (*exec.Cmd, *logWatch, chan error) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	logs := watchLog(stderr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	return cmd, logs, exited
}

// logWatch collects a process's log lines.
type logWatch struct {
	mu    sync.Mutex
	lines []string
	all   strings.Builder
}

func watchLog(r io.Reader) *logWatch {
	w := &logWatch{}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			w.mu.Lock()
			w.lines = append(w.lines, sc.Text())
			w.all.WriteString(sc.Text() + "\n")
			w.mu.Unlock()
		}
	}()
	return w
}

// waitFor returns the first line after line number from that contains all
// of subs, waiting up to d.
func (w *logWatch) waitFor(t *testing.T, from int, d time.Duration, subs ...string) (string, int) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		w.mu.Lock()
		for i := from; i < len(w.lines); i++ {
			ok := true
			for _, s := range subs {
				ok = ok && strings.Contains(w.lines[i], s)
			}
			if ok {
				l := w.lines[i]
				w.mu.Unlock()
				return l, i + 1
			}
		}
		w.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no log line with %q within %v; log:\n%s", subs, d, w.String())
	return "", 0
}

func (w *logWatch) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.all.String()
}

// attr is the value of key=value in a slog text line.
func attr(line, key string) string {
	for _, f := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(f, key+"="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}
