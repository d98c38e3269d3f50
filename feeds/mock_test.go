package feeds

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// mockReq is one request the mock mirror saw.
type mockReq struct {
	Path, Range, IMS, INM, UA string
	HasUA                     bool
}

// mockMirror is a ClamAV-style mirror on 127.0.0.1, in the spirit of
// freshclam_test.py's WebServerHandler_WWW: files by name, a separate
// "advertised" answer to Range requests of X.cvd, forced statuses, and a
// request log.
type mockMirror struct {
	t   testing.TB
	srv *httptest.Server

	mu         sync.Mutex
	files      map[string][]byte
	advertised map[string][]byte           // answer to Range requests of this path
	override   map[string]http.HandlerFunc // path -> custom handler
	all        http.HandlerFunc            // custom handler for every path, when set
	etags      bool                        // answer with ETag/Last-Modified and honour them
	uaFilter   func(ua string) bool        // 403 unless it returns true, when set
	reqs       []mockReq
}

func newMock(t testing.TB) *mockMirror {
	t.Helper()
	m := &mockMirror{t: t, files: map[string][]byte{}, advertised: map[string][]byte{}, override: map[string]http.HandlerFunc{}}
	m.srv = httptest.NewServer(http.HandlerFunc(m.serve))
	t.Cleanup(m.srv.Close)
	return m
}

func (m *mockMirror) URL() string { return m.srv.URL }

func (m *mockMirror) put(name string, data []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.files[name] = data
}

func (m *mockMirror) remove(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.files, name)
}

func (m *mockMirror) advertise(name string, data []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.advertised[name] = data
}

func (m *mockMirror) handle(name string, h http.HandlerFunc) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.override[name] = h
}

func (m *mockMirror) requests() []mockReq {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]mockReq(nil), m.reqs...)
}

func (m *mockMirror) resetLog() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reqs = nil
}

// paths lists requested paths, with "[range]" appended to Range requests.
func (m *mockMirror) paths() []string {
	var out []string
	for _, r := range m.requests() {
		p := r.Path
		if r.Range != "" {
			p += "[range]"
		}
		out = append(out, p)
	}
	return out
}

func (m *mockMirror) count(path string) int {
	n := 0
	for _, r := range m.requests() {
		if r.Path == path {
			n++
		}
	}
	return n
}

var mockTime = time.Date(2021, 6, 23, 1, 34, 0, 0, time.UTC)

func (m *mockMirror) serve(w http.ResponseWriter, r *http.Request) {
	_, hasUA := r.Header["User-Agent"]
	p := strings.TrimPrefix(r.URL.Path, "/")
	m.mu.Lock()
	m.reqs = append(m.reqs, mockReq{Path: p, Range: r.Header.Get("Range"), IMS: r.Header.Get("If-Modified-Since"),
		INM: r.Header.Get("If-None-Match"), UA: r.UserAgent(), HasUA: hasUA})
	all, h := m.all, m.override[p]
	data, ok := m.files[p]
	adv, hasAdv := m.advertised[p]
	etags, uaOK := m.etags, m.uaFilter
	m.mu.Unlock()
	if uaOK != nil && !uaOK(r.UserAgent()) {
		http.Error(w, "blocked", http.StatusForbidden)
		return
	}
	if all != nil {
		all(w, r)
		return
	}
	if h != nil {
		h(w, r)
		return
	}
	if r.Header.Get("Range") != "" && hasAdv {
		data, ok = adv, true
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	var mod time.Time
	if etags {
		w.Header().Set("ETag", `"`+shortSum(data)+`"`)
		mod = mockTime
	}
	http.ServeContent(w, r, p, mod, bytes.NewReader(data))
}

// truncatingHandler announces the whole body but sends only n bytes, then
// the server closes the connection.
func truncatingHandler(body []byte, n int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		w.Write(body[:n])
	}
}
