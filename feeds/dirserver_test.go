package feeds

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// The four cases of shared/checks/updater, against a plain directory
// server (http.FileServer answers Range and If-Modified-Since from file
// mtimes, as the check's Python http.server does).
func TestContractCheckCases(t *testing.T) {
	www := t.TempDir()
	srv := httptest.NewServer(http.FileServer(http.Dir(www)))
	t.Cleanup(srv.Close)
	serve := func(files map[string]string) { // target name -> corpus name
		ents, _ := os.ReadDir(www)
		for _, e := range ents {
			os.Remove(filepath.Join(www, e.Name()))
		}
		for dst, src := range files {
			if err := os.WriteFile(filepath.Join(www, dst), corpus(t, src), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	chain := func(ns ...int) map[string]string {
		m := map[string]string{"test.cvd": "test-6.cvd", "test-6.cvd.sign": "test-6.cvd.sign"}
		for _, n := range ns {
			c := "test-" + string(rune('0'+n)) + ".cdiff"
			m[c], m[c+".sign"] = c, c+".sign"
		}
		return m
	}

	// 1. cdiff chain 1 -> 6.
	serve(chain(2, 3, 4, 5, 6))
	a := newEnv(t, false, srv.URL)
	a.seed(1)
	if r, err := a.run(); err != nil || r.Cdiffs != 5 {
		t.Fatalf("chain: %v %+v", err, r)
	}
	a.assertAt(6)

	// 2. test-4.cdiff missing: fall back to the whole CVD.
	serve(chain(2, 3, 5))
	b := newEnv(t, false, srv.URL)
	b.seed(1)
	if _, err := b.run(); err != nil {
		t.Fatalf("fallback: %v", err)
	}
	b.assertAt(6)

	// 3. one byte flipped in the archive: refused, store at 3.
	serve(nil)
	bad := append([]byte(nil), corpus(t, "test-6.cvd")...)
	bad[700] ^= 0x55
	os.WriteFile(filepath.Join(www, "test.cvd"), bad, 0o644)
	c := newEnv(t, false, srv.URL)
	c.seed(3)
	if r, err := c.run(); err == nil || r.Reason != "md5" {
		t.Fatalf("corrupt: %v %+v", err, r)
	}
	c.assertAt(3)

	// 4. the mirror offers 3 to a store at 6: refused.
	serve(map[string]string{"test.cvd": "test-3.cvd"})
	if _, err := a.run(); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	a.assertAt(6)
}
