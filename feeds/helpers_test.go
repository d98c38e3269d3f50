package feeds

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sigtool/sigtool/cdiff"
	"github.com/sigtool/sigtool/cvd"
	"github.com/sigtool/sigtool/sigdb"
)

const corpusDir = "../../shared/corpus/feeds/clamav"

var corpusCache sync.Map

// corpus reads a file of the shared ClamAV test chain.
func corpus(t testing.TB, name string) []byte {
	t.Helper()
	if b, ok := corpusCache.Load(name); ok {
		return b.([]byte)
	}
	b, err := os.ReadFile(filepath.Join(corpusDir, name))
	if err != nil {
		t.Skipf("shared corpus not available: %v", err)
	}
	corpusCache.Store(name, b)
	return b
}

func shortSum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:8])
}

// syncBuffer is a log sink safe for the updater's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is one test's store, config and log.
type env struct {
	t     testing.TB
	store Store
	cfg   *Config
	log   *syncBuffer
	now   time.Time
	tmp   string
	// cdiffKey replaces ClamAV's cdiff key (X5's cdiffs are signed by us).
	cdiffKey *rsa.PublicKey
}

// newEnv makes a store (the real sigdb unless fake), and a config with one
// clamav feed "test" over mirrors.
func newEnv(t testing.TB, fake bool, mirrors ...string) *env {
	t.Helper()
	e := &env{t: t, log: &syncBuffer{}, now: time.Now()}
	if fake {
		e.store = newMemStore()
	} else {
		db, err := sigdb.Open(filepath.Join(t.TempDir(), "sigtool.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		e.store = db
	}
	e.tmp = t.TempDir()
	e.cfg = &Config{
		CertsDir: "testdata/certs",
		TempDir:  e.tmp,
		Feeds:    []FeedConfig{{Name: "test", Type: TypeClamAV, Mirrors: mirrors, Databases: []string{"test"}}},
	}
	e.cfg.ConnectTimeout.Duration = 2 * time.Second
	e.cfg.ReadIdleTimeout.Duration = 3 * time.Second
	e.cfg.ApplyDefaults()
	return e
}

func (e *env) updater() *Updater {
	e.t.Helper()
	u, err := New(e.cfg, e.store, Options{
		Logger:  slog.New(slog.NewTextHandler(e.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:     func() time.Time { return e.now },
		Version: "test",
	})
	if err != nil {
		e.t.Fatal(err)
	}
	if e.cdiffKey != nil {
		u.keys.cdiff = e.cdiffKey
	}
	return u
}

var (
	testKeyOnce sync.Once
	testKey     *rsa.PrivateKey
)

// cdiffTestKey is a 2048-bit key to sign our own cdiffs with.
func cdiffTestKey(t testing.TB) *rsa.PrivateKey {
	testKeyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		testKey = k
	})
	return testKey
}

// ourCdiff re-signs the script of test-<from>.cdiff as version v, after
// replacing old with new in it.
func ourCdiff(t testing.TB, from, v int, old, new string) []byte {
	t.Helper()
	d, err := cdiff.Parse(corpus(t, fmt.Sprintf("test-%d.cdiff", from)))
	if err != nil {
		t.Fatal(err)
	}
	s := string(d.Script)
	if old != "" {
		if !strings.Contains(s, old) {
			t.Fatalf("script lacks %q", old)
		}
		s = strings.Replace(s, old, new, 1)
	}
	b, err := cdiff.Build(v, []byte(s), cdiffTestKey(t))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// run runs one cycle and returns the single result.
func (e *env) run() (FeedResult, error) {
	e.t.Helper()
	sum, err := e.updater().RunOnce(context.Background())
	if len(sum.Results) != 1 {
		e.t.Fatalf("%d results, want 1: %+v", len(sum.Results), sum)
	}
	e.assertNoTempFiles()
	return sum.Results[0], err
}

func (e *env) assertNoTempFiles() {
	e.t.Helper()
	ents, err := os.ReadDir(e.tmp)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, ent := range ents {
		e.t.Errorf("temp file left behind: %s", ent.Name())
	}
}

// seed imports test-N.cvd as the stored feed "test".
func (e *env) seed(n int) {
	e.t.Helper()
	c, err := cvd.Read(corpus(e.t, fmt.Sprintf("test-%d.cvd", n)))
	if err != nil {
		e.t.Fatal(err)
	}
	var files []sigdb.File
	for _, m := range c.Members {
		files = append(files, sigdb.File{Name: m.Name, Data: m.Data})
	}
	h := c.Header
	meta := sigdb.FeedMeta{Name: "test", Version: h.Version, BuildTime: h.Time, Format: "cvd", HeaderSigs: h.Sigs, FLevel: h.FLevel, Builder: h.Builder}
	if _, err := e.store.ReplaceFeed(context.Background(), meta, files, sigdb.ImportOptions{}); err != nil {
		e.t.Fatal(err)
	}
}

// version is the stored version of feed "test", 0 when absent.
func (e *env) version() int {
	e.t.Helper()
	fi, err := e.store.Feed("test")
	if err != nil {
		return 0
	}
	return fi.Version
}

// assertAt checks the store holds exactly test-N.cvd's members.
func (e *env) assertAt(n int) {
	e.t.Helper()
	if v := e.version(); v != n {
		e.t.Fatalf("store version %d, want %d\nlog:\n%s", v, n, e.log)
	}
	c, err := cvd.Read(corpus(e.t, fmt.Sprintf("test-%d.cvd", n)))
	if err != nil {
		e.t.Fatal(err)
	}
	got, err := e.store.FeedFiles(context.Background(), "test")
	if err != nil {
		e.t.Fatal(err)
	}
	gotM := map[string][]byte{}
	for _, f := range got {
		gotM[f.Name] = f.Data
	}
	want := c.Files()
	if len(gotM) != len(want) {
		e.t.Errorf("store has %d members %v, test-%d.cvd has %d", len(gotM), names(gotM), n, len(want))
	}
	for name, data := range want {
		if !bytes.Equal(gotM[name], data) {
			e.t.Errorf("member %s differs from test-%d.cvd's", name, n)
		}
	}
}

// assertVerified runs the store's own consistency check (what `sigtool
// verify` runs) when the store is the real sigdb.
func (e *env) assertVerified() {
	e.t.Helper()
	db, ok := e.store.(*sigdb.DB)
	if !ok {
		return
	}
	var problems []string
	if _, err := db.Verify(context.Background(), func(p sigdb.Problem) { problems = append(problems, p.String()) }); err != nil || len(problems) > 0 {
		e.t.Fatalf("store fails Verify: %v %q", err, problems)
	}
}

// assertLog checks the log contains every fragment.
func (e *env) assertLog(frags ...string) {
	e.t.Helper()
	s := e.log.String()
	for _, f := range frags {
		if !strings.Contains(s, f) {
			e.t.Errorf("log lacks %q:\n%s", f, s)
		}
	}
}

func names(m map[string][]byte) []string {
	var out []string
	for n := range m {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// serveChain puts test-A..B cdiffs (+ .sign) on the mock.
func serveChain(t testing.TB, m *mockMirror, from, to int, sign bool) {
	for n := from; n <= to; n++ {
		name := fmt.Sprintf("test-%d.cdiff", n)
		m.put(name, corpus(t, name))
		if sign {
			m.put(name+".sign", corpus(t, name+".sign"))
		}
	}
}

// serveCVD serves test-N.cvd as test.cvd (+ test-N.cvd.sign) and
// advertises its header.
func serveCVD(t testing.TB, m *mockMirror, n int, sign bool) {
	b := corpus(t, fmt.Sprintf("test-%d.cvd", n))
	m.put("test.cvd", b)
	if sign {
		name := fmt.Sprintf("test-%d.cvd.sign", n)
		m.put(name, corpus(t, name))
	}
}

func advertise(t testing.TB, m *mockMirror, n int) {
	m.advertise("test.cvd", corpus(t, fmt.Sprintf("test-%d.cvd", n))[:cvd.HeaderSize])
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
