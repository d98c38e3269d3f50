package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// corpusDir holds the shared ClamAV test chain (see SCENARIOS.md there).
const corpusDir = "../../../shared/corpus/feeds/clamav"

// blockedMirror is F2/F3's CDN: Range requests of test.cvd get test-6's
// header, every other request gets 403 with a CF-RAY header. It logs the
// paths it was asked for.
type blockedMirror struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []string
}

func newBlockedMirror(t *testing.T) *blockedMirror {
	t.Helper()
	six, err := os.ReadFile(filepath.Join(corpusDir, "test-6.cvd"))
	if err != nil {
		t.Skipf("shared corpus not available: %v", err)
	}
	m := &blockedMirror{}
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if r.Header.Get("Range") != "" {
			p += "[range]"
		}
		m.mu.Lock()
		m.reqs = append(m.reqs, p)
		m.mu.Unlock()
		if r.URL.Path == "/test.cvd" && r.Header.Get("Range") != "" {
			w.Header().Set("Content-Range", fmt.Sprintf("bytes 0-511/%d", len(six)))
			w.WriteHeader(http.StatusPartialContent)
			w.Write(six[:512])
			return
		}
		w.Header().Set("CF-RAY", "8a1b2c3d4e5f-AMS")
		http.Error(w, "<html>Forbidden</html>", http.StatusForbidden)
	}))
	t.Cleanup(m.srv.Close)
	return m
}

func (m *blockedMirror) requests() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.reqs...)
}

// healthFailures is the part of /healthz this test reads: the last cycle's
// failed feeds and why.
type healthFailures struct {
	Status    string         `json:"status"`
	Versions  map[string]int `json:"versions"`
	LastCycle *struct {
		Updated  int `json:"updated"`
		Failed   int `json:"failed"`
		Failures []struct {
			Feed   string `json:"feed"`
			DB     string `json:"db"`
			Reason string `json:"reason"`
			Error  string `json:"error"`
		} `json:"failures"`
	} `json:"last_cycle"`
}

func readHealth(t *testing.T, base string) (int, healthFailures) {
	t.Helper()
	code, body := get(t, base+"/healthz")
	var h healthFailures
	if err := json.Unmarshal([]byte(body), &h); err != nil {
		t.Fatalf("healthz body %q: %v", body, err)
	}
	return code, h
}

// metricValue is the value of the first sample of /metrics text whose line
// starts with series (name plus labels), or -1 when absent.
func metricValue(t *testing.T, metrics, series string) float64 {
	t.Helper()
	for _, l := range strings.Split(metrics, "\n") {
		if rest, ok := strings.CutPrefix(l, series+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err != nil {
				t.Fatalf("metric line %q: %v", l, err)
			}
			return v
		}
	}
	return -1
}

// TestDaemonForbiddenKeepsRunning is SCENARIOS.md F3, "403 in daemon
// mode". freshclam --daemon leaves its loop on a 403 (exit 17); sigupdated
// without --once must keep running: the mirror is cooled down, the other
// feed is still updated and served, /healthz and /metrics name the failure
// and its reason, the process is alive after the cycle (and after a second,
// SIGUSR1 cycle that must not contact the cooled-down mirror), and SIGTERM
// ends it with exit 0.
func TestDaemonForbiddenKeepsRunning(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the daemon")
	}
	blocked := newBlockedMirror(t)
	bin := binary(t)
	feed := newNativeFeed(t, 3)
	feed.publish(1)
	dir := t.TempDir()
	// The native "crash" feed (healthy) plus a clamav feed on the blocked mirror.
	cfgPath, dbPath := writeConfig(t, dir, feed, "")
	cfgText, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	cfgText = append(cfgText, fmt.Sprintf(`
[[feed]]
name = "clamav"
type = "clamav"
mirrors = [%q]
databases = ["test"]
`, blocked.srv.URL)...)
	if err := os.WriteFile(cfgPath, cfgText, 0o644); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	cmd, logs, exited := startDaemon(t, bin, "--config", cfgPath, "--listen", "127.0.0.1:0")
	defer func() {
		select {
		case <-exited:
		default:
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("daemon log:\n%s", logs)
		}
	}()
	alive := func(when string) {
		t.Helper()
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("daemon exited %s: %v", when, err)
		default:
		}
	}

	line, next := logs.waitFor(t, 0, 10*time.Second, "listening", "serves=metrics")
	obs := "http://" + attr(line, "addr")

	// The 403: cool-down logged with the mirror, the status and its end.
	line, _ = logs.waitFor(t, next, 10*time.Second, "mirror put on cool-down")
	for _, want := range []string{"mirror=" + blocked.srv.URL, "status=403", "cf_ray=8a1b2c3d4e5f-AMS", "until="} {
		if !strings.Contains(line, want) {
			t.Errorf("cool-down line lacks %q: %s", want, line)
		}
	}
	until, err := time.Parse(time.RFC3339, attr(line, "until"))
	if err != nil {
		t.Fatalf("cool-down end %q: %v", attr(line, "until"), err)
	}
	if d := until.Sub(start); d < 24*time.Hour-time.Minute || d > 24*time.Hour+time.Minute {
		t.Errorf("cool-down ends %v after start, want 24 h", d)
	}
	_, next = logs.waitFor(t, next, 10*time.Second, "update cycle done", "updated=1", "failed=1")

	// Still alive a moment after the cycle, and still answering.
	time.Sleep(300 * time.Millisecond)
	alive("after a cycle with a 403")
	code, h := readHealth(t, obs)
	if code != http.StatusOK || h.Versions["crash"] != 1 {
		t.Errorf("/healthz %d %+v: want 200 serving crash v1", code, h)
	}
	checkFailure := func(reason string) {
		t.Helper()
		_, h := readHealth(t, obs)
		lc := h.LastCycle
		if lc == nil || lc.Failed != 1 || len(lc.Failures) != 1 {
			t.Fatalf("/healthz last_cycle %+v: want one failure", lc)
		}
		f := lc.Failures[0]
		if f.Feed != "clamav" || f.DB != "test" || f.Reason != reason || !strings.Contains(f.Error, blocked.srv.URL) {
			t.Errorf("/healthz failure %+v: want feed clamav, db test, reason %s and an error naming %s", f, reason, blocked.srv.URL)
		}
	}
	checkFailure("http-403")

	code, metrics := get(t, obs+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics %d", code)
	}
	if v := metricValue(t, metrics, `sigupdated_feed_failures_total{feed="test",reason="http-403"}`); v != 1 {
		t.Errorf("failures{test,http-403} = %v, want 1", v)
	}
	if v := metricValue(t, metrics, fmt.Sprintf(`sigupdated_mirror_cooldown_until_timestamp_seconds{mirror=%q}`, blocked.srv.URL)); v != float64(until.Unix()) {
		t.Errorf("cool-down gauge %v, want %d", v, until.Unix())
	}
	if v := metricValue(t, metrics, `sigupdated_cycles_with_failures_total`); v != 1 {
		t.Errorf("cycles with failures %v, want 1", v)
	}
	if v := metricValue(t, metrics, `sigupdated_feed_version{feed="crash"}`); v != 1 {
		t.Errorf("crash version gauge %v, want 1", v)
	}
	if got, want := blocked.requests(), []string{"/test.cvd[range]", "/test.cvd"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("blocked mirror saw %v, want %v", got, want)
	}

	// A second cycle (SIGUSR1): the cooled-down mirror is not contacted,
	// the healthy feed moves on, the daemon stays up.
	feed.publish(2)
	cmd.Process.Signal(syscall.SIGUSR1)
	logs.waitFor(t, next, 10*time.Second, "mirror on cool-down, not contacting it", "mirror="+blocked.srv.URL)
	logs.waitFor(t, next, 10*time.Second, "update cycle done", "updated=1", "failed=1")
	waitHealth(t, obs, 2, logs)
	time.Sleep(200 * time.Millisecond)
	alive("after a cycle on cool-down")
	checkFailure("cooldown")
	if n := len(blocked.requests()); n != 2 {
		t.Errorf("blocked mirror got %d requests in all, want the first cycle's 2: %v", n, blocked.requests())
	}

	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		exited <- err
		if err != nil {
			t.Fatalf("after SIGTERM: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("daemon did not stop on SIGTERM")
	}
	if v := storeVersion(t, dbPath, feed); v != 2 {
		t.Errorf("crash at version %d after stop, want 2", v)
	}
}

// X7: require_sign with a certs_dir holding no certificate stops sigupdated
// at startup with exit 2, naming the file pattern it looked for, before
// any request.
func TestRequireSignWithoutCertsExits2(t *testing.T) {
	mirror := newBlockedMirror(t)
	dir := t.TempDir()
	certs := filepath.Join(dir, "certs")
	if err := os.Mkdir(certs, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "sigupdated.toml")
	text := fmt.Sprintf("db = %q\nrequire_sign = true\ncerts_dir = %q\n[[feed]]\nname = \"clamav\"\ntype = \"clamav\"\nmirrors = [%q]\ndatabases = [\"test\"]\n",
		filepath.Join(dir, "store.db"), certs, mirror.srv.URL)
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"--once", "--config", cfg}, {"--config", cfg, "--listen", "127.0.0.1:0"}} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), args, &out, &errb); code != exitError {
			t.Fatalf("%v: exit %d, want %d\n%s", args, code, exitError, errb.String())
		}
		if want := regexp.QuoteMeta(filepath.Join(certs, "*.crt")); !regexp.MustCompile(`certs_dir.*` + want).MatchString(errb.String()) {
			t.Errorf("%v: log does not name certs_dir and %s:\n%s", args, filepath.Join(certs, "*.crt"), errb.String())
		}
	}
	if n := len(mirror.requests()); n != 0 {
		t.Errorf("%d requests before the configuration was accepted", n)
	}
	if _, err := os.Stat(filepath.Join(dir, "store.db")); !os.IsNotExist(err) {
		t.Errorf("store created despite the refused configuration: %v", err)
	}
}
