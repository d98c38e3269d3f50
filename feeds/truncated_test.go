package feeds

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// tempDownloads lists the download files (dl-*) in the run directories
// under dir, with their sizes.
func tempDownloads(dir string) map[string]int64 {
	out := map[string]int64{}
	m, _ := filepath.Glob(filepath.Join(dir, "sigupdated-*", "dl-*"))
	for _, p := range m {
		if fi, err := os.Stat(p); err == nil {
			out[p] = fi.Size()
		}
	}
	return out
}

// cutAfter announces body's full length, sends the first n bytes, waits
// until the updater has written them to a temp file under tmp (so the test
// knows a temp file existed and must be cleaned up), then returns, which
// makes the server close the connection short of Content-Length.
func cutAfter(t *testing.T, body []byte, n int, tmp string, sawTemp *atomic.Bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		w.Write(body[:n])
		w.(http.Flusher).Flush()
		deadline := time.Now().Add(3 * time.Second)
		for time.Now().Before(deadline) {
			for _, size := range tempDownloads(tmp) {
				if size == int64(n) {
					sawTemp.Store(true)
					return
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// X3: the four truncated-download modes of SCENARIOS.md, for the CVD, the
// cdiff and (for a) the header request. Each must fail the feed with the
// check named in the result and the log, leave no temp file in temp_dir,
// and leave the stored feed exactly as it was (version, digest, import
// time, member bytes).
func TestTruncatedDownloads(t *testing.T) {
	six := corpus(t, "test-6.cvd")
	cd6 := corpus(t, "test-6.cdiff")
	// The gzip stream of test-6.cdiff runs from after "ClamAV-Diff:6:N:" to
	// the last ':' (the signature follows it).
	gzStart := len(fmt.Sprintf("ClamAV-Diff:6:%d:", mustParseCdiffLen(t, cd6)))
	gzEnd := bytes.LastIndexByte(cd6, ':')
	if gzStart <= 0 || gzEnd <= gzStart+20 {
		t.Fatalf("cannot locate the gzip stream of test-6.cdiff (%d..%d)", gzStart, gzEnd)
	}

	type tc struct {
		name   string
		seed   int
		setup  func(t *testing.T, e *env, m *mockMirror, sawTemp *atomic.Bool)
		needs  bool // setup reports, via sawTemp, that a temp file existed
		reason string
		log    []string
	}
	cases := []tc{
		{
			name: "a: CVD, Content-Length larger than the body, closed", seed: 3, needs: true,
			setup: func(t *testing.T, e *env, m *mockMirror, saw *atomic.Bool) {
				m.handle("test.cvd", func(w http.ResponseWriter, r *http.Request) {
					if r.Header.Get("Range") != "" {
						w.WriteHeader(http.StatusPartialContent)
						w.Write(six[:512])
						return
					}
					cutAfter(t, six, 4000, e.tmp, saw)(w, r)
				})
			},
			reason: "length", log: []string{"connection closed before Content-Length bytes arrived"},
		},
		{
			name: "a: cdiff, Content-Length larger than the body, closed", seed: 5, needs: true,
			setup: func(t *testing.T, e *env, m *mockMirror, saw *atomic.Bool) {
				advertise(t, m, 6)
				m.handle("test-6.cdiff", cutAfter(t, cd6, 300, e.tmp, saw))
			},
			reason: "length", log: []string{"test-6.cdiff", "connection closed before Content-Length bytes arrived"},
		},
		{
			name: "a: header, Content-Length 512, 100 bytes, closed", seed: 3,
			setup: func(t *testing.T, e *env, m *mockMirror, _ *atomic.Bool) {
				m.handle("test.cvd", truncatingHandler(six[:512], 100))
			},
			reason: "length", log: []string{"test.cvd", "connection closed before Content-Length bytes arrived"},
		},
		{
			name: "b: CVD cut short, matching Content-Length", seed: 3,
			setup: func(t *testing.T, e *env, m *mockMirror, _ *atomic.Bool) {
				m.put("test.cvd", six[:len(six)-1000])
				advertise(t, m, 6)
			},
			reason: "md5", log: []string{"MD5 mismatch"},
		},
		{
			name: "b: cdiff cut in its signature, matching Content-Length", seed: 5,
			setup: func(t *testing.T, e *env, m *mockMirror, _ *atomic.Bool) {
				m.put("test-6.cdiff", cd6[:len(cd6)-40])
				advertise(t, m, 6)
			},
			reason: "signature", log: []string{"test-6.cdiff", "signature check failed"},
		},
		{
			name: "d: connection refused", seed: 3,
			setup: func(t *testing.T, e *env, m *mockMirror, _ *atomic.Bool) {
				m.srv.Close()
			},
			reason: "connect", log: []string{"cannot connect", "connection refused"},
		},
		{
			name: "d: connection dropped mid-chain", seed: 5,
			setup: func(t *testing.T, e *env, m *mockMirror, _ *atomic.Bool) {
				advertise(t, m, 6)
				m.handle("test-6.cdiff", func(w http.ResponseWriter, r *http.Request) {
					c, _, err := w.(http.Hijacker).Hijack()
					if err == nil {
						c.Close()
					}
				})
			},
			reason: "connect", log: []string{"test-6.cdiff", "cannot connect"},
		},
	}
	// c: the cdiff cut inside its gzip stream, at its start, in the middle
	// and one byte before its end; verified by PSS (gzip fails) and by a
	// .sign (the signature over the whole file fails first).
	for _, cut := range []int{gzStart + 10, (gzStart + gzEnd) / 2, gzEnd - 1} {
		for _, sign := range []bool{false, true} {
			reason, frag := "gzip", "damaged compressed data"
			if sign {
				reason, frag = "signature", "signature check failed"
			}
			cases = append(cases, tc{
				name: fmt.Sprintf("c: cdiff cut inside gzip at %d of %d, sign=%v", cut, len(cd6), sign), seed: 5,
				setup: func(t *testing.T, e *env, m *mockMirror, _ *atomic.Bool) {
					m.put("test-6.cdiff", cd6[:cut])
					if sign {
						m.put("test-6.cdiff.sign", corpus(t, "test-6.cdiff.sign"))
					}
					advertise(t, m, 6)
				},
				reason: reason, log: []string{"test-6.cdiff", frag},
			})
		}
	}

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newMock(t)
			e := newEnv(t, false, m.URL())
			e.seed(c.seed)
			before := feedSnapshot(t, e)
			var sawTemp atomic.Bool
			c.setup(t, e, m, &sawTemp)

			r, err := e.run() // also asserts temp_dir is empty afterwards
			if err == nil || r.Status != StatusFailed || r.Reason != c.reason {
				t.Fatalf("err %v, status %s, reason %q; want a failure with reason %s\n%s", err, r.Status, r.Reason, c.reason, e.log)
			}
			e.assertLog(append([]string{"reason=" + c.reason}, c.log...)...)
			if c.needs && !sawTemp.Load() {
				t.Error("the partial download never reached a temp file under temp_dir: the cleanup check proves nothing")
			}
			if ents, _ := os.ReadDir(e.tmp); len(ents) != 0 {
				t.Errorf("temp_dir holds %d entries after the cycle", len(ents))
			}
			e.assertAt(c.seed)
			if after := feedSnapshot(t, e); after != before {
				t.Errorf("stored feed changed:\n before %+v\n after  %+v", before, after)
			}
		})
	}
}

// storedFeed is what must not change when an update fails.
type storedFeed struct {
	Version  int
	Digest   string
	Format   string
	Imported time.Time
}

func feedSnapshot(t *testing.T, e *env) storedFeed {
	t.Helper()
	fi, err := e.store.Feed("test")
	if err != nil {
		t.Fatal(err)
	}
	e.assertVerified()
	return storedFeed{Version: fi.Version, Digest: fi.Digest, Format: fi.Format, Imported: fi.Imported}
}

// mustParseCdiffLen is the script-length field of a cdiff header.
func mustParseCdiffLen(t *testing.T, b []byte) int {
	t.Helper()
	var v, n int
	if _, err := fmt.Sscanf(string(b[:40]), "ClamAV-Diff:%d:%d:", &v, &n); err != nil {
		t.Fatalf("cdiff header %q: %v", b[:40], err)
	}
	return n
}
