package feeds

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"strings"
	"sync"
	"testing"
)

// X2: through a forward proxy on 127.0.0.1 our User-Agent reaches the
// mirror unchanged, and a CDN filtering on it lets us through.
// The proxy comes from the config's proxy key (the environment's
// HTTP_PROXY would not do here: Go never proxies loopback addresses
// from the environment).
func TestUserAgentThroughProxy(t *testing.T) {
	m := newMock(t)
	serveCVD(t, m, 6, true)
	m.uaFilter = func(ua string) bool { return strings.HasPrefix(ua, "sigupdated/") }

	var mu sync.Mutex
	var seen []string // what the proxy was asked for: absolute URLs
	rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {}}
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.String())
		mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	e := newEnv(t, false, m.URL())
	e.cfg.Proxy = proxy.URL
	if err := e.cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	u := e.updater()
	sum, err := u.RunOnce(context.Background())
	if err != nil || len(sum.Results) != 1 || sum.Results[0].Status != StatusUpdated {
		t.Fatalf("err %v, results %+v\n%s", err, sum.Results, e.log)
	}
	e.assertNoTempFiles()
	e.assertAt(6)
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != len(m.requests()) || len(seen) == 0 {
		t.Fatalf("proxy saw %v, mirror %v: not every request went through the proxy", seen, m.paths())
	}
	for _, s := range seen {
		if !strings.HasPrefix(s, m.URL()+"/") {
			t.Errorf("proxy asked for %q, want an absolute URL on the mirror", s)
		}
	}
	for _, q := range m.requests() {
		if q.UA != "sigupdated/test" {
			t.Errorf("mirror got User-Agent %q for %s", q.UA, q.Path)
		}
	}
}
