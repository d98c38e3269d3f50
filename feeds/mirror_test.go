package feeds

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sigtool/sigtool/cvd"
)

// serveMirror runs our Mirror for e's store on 127.0.0.1.
func serveMirror(t *testing.T, e *env) *httptest.Server {
	srv := httptest.NewServer(NewMirror(e.cfg, e.store, nil))
	t.Cleanup(srv.Close)
	return srv
}

// A node that updated 1 -> 6 by cdiffs serves a fleet: an empty gateway
// takes the rebuilt CVD (verified by its .info DSIG), one at version 1
// takes the same cdiffs and .sign files the node received.
func TestMirrorServesFleet(t *testing.T) {
	up := newMock(t)
	serveChain(t, up, 2, 6, true)
	advertise(t, up, 6)
	node := newEnv(t, false, up.URL())
	node.seed(1)
	if _, err := node.run(); err != nil {
		t.Fatal(err)
	}
	node.assertAt(6)
	srv := serveMirror(t, node)

	empty := newEnv(t, false, srv.URL)
	r, err := empty.run()
	if err != nil {
		t.Fatalf("empty gateway: %v\n%s", err, empty.log)
	}
	empty.assertAt(6)
	if r.Method != "cvd" || r.Verified != "info" {
		t.Errorf("empty gateway %+v", r)
	}

	behind := newEnv(t, false, srv.URL)
	behind.seed(1)
	r, err = behind.run()
	if err != nil {
		t.Fatalf("gateway at 1: %v\n%s", err, behind.log)
	}
	behind.assertAt(6)
	if r.Cdiffs != 5 || r.Verified != "sign" {
		t.Errorf("gateway at 1 %+v", r)
	}
}

func TestMirrorRangeAndNotFound(t *testing.T) {
	e := newEnv(t, false)
	e.seed(3)
	srv := serveMirror(t, e)
	req, _ := http.NewRequest("GET", srv.URL+"/test.cvd", nil)
	req.Header.Set("Range", "bytes=0-511")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || len(b) != 512 {
		t.Fatalf("status %d, %d bytes", resp.StatusCode, len(b))
	}
	h, err := cvd.ParseHeader(b)
	if err != nil || h.Version != 3 || h.Sigs != 11 {
		t.Fatalf("header %+v, %v", h, err)
	}
	for _, p := range []string{"/main.cvd", "/test-2.cdiff", "/../etc/passwd", "/test/x", "/"} {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d", p, resp.StatusCode)
		}
	}
	resp, _ = http.Post(srv.URL+"/test.cvd", "text/plain", strings.NewReader("x"))
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", resp.StatusCode)
	}
	resp.Body.Close()
}

// Native and files feeds are republished under /<feed>/.
func TestMirrorServesNativeAndFiles(t *testing.T) {
	pub, priv, _ := Keygen()
	up := newMock(t)
	publish(t, up, priv, 1, map[string]string{"our.hdb": hdbLine})
	hdb := corpus(t, "clamav.hdb")
	up.put("clamav.hdb", hdb)
	up.put("clamav.hdb.sha256", sha256Line(hdb, "clamav.hdb"))
	node := newEnv(t, false)
	node.cfg.Feeds = []FeedConfig{
		{Name: "ourfeed", Type: TypeNative, Mirrors: []string{up.URL()}, PublicKey: pub},
		{Name: "custom", Type: TypeFiles, URLs: []string{up.URL() + "/clamav.hdb"}},
	}
	if _, err := node.updater().RunOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv := serveMirror(t, node)

	gw := newEnv(t, false)
	gw.cfg.Feeds = []FeedConfig{
		{Name: "ourfeed", Type: TypeNative, Mirrors: []string{srv.URL + "/ourfeed/"}, PublicKey: pub},
		{Name: "custom", Type: TypeFiles, URLs: []string{srv.URL + "/custom/clamav.hdb"}},
	}
	sum, err := gw.updater().RunOnce(t.Context())
	if err != nil {
		t.Fatalf("%v\n%s", err, gw.log)
	}
	for _, r := range sum.Results {
		if r.Status != StatusUpdated || r.To != 1 {
			t.Errorf("%+v", r)
		}
	}
}
