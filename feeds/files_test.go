package feeds

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
)

func sha256Line(b []byte, name string) []byte {
	s := sha256.Sum256(b)
	return []byte(hex.EncodeToString(s[:]) + "  " + name + "\n")
}

func filesEnv(t *testing.T, m *mockMirror) *env {
	e := newEnv(t, false)
	e.cfg.Feeds = []FeedConfig{{Name: "custom", Type: TypeFiles, URLs: []string{m.URL() + "/clamav.hdb"}}}
	return e
}

// F1: a files feed with .sha256; a second run is conditional, gets 304 and
// leaves the store alone; a changed file becomes version 2.
func TestFilesFeed(t *testing.T) {
	m := newMock(t)
	m.etags = true
	hdb := corpus(t, "clamav.hdb")
	m.put("clamav.hdb", hdb)
	m.put("clamav.hdb.sha256", sha256Line(hdb, "clamav.hdb"))
	e := filesEnv(t, m)

	r, err := e.run()
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != StatusUpdated || r.To != 1 || r.Signatures != 1 || r.Verified != "sha256" {
		t.Errorf("result %+v", r)
	}
	e.assertLog("file=clamav.hdb", "signatures=1")
	fi, err := e.store.Feed("custom")
	if err != nil || fi.Version != 1 || fi.Format != "files" {
		t.Fatalf("feed %+v, %v", fi, err)
	}
	digest := fi.Digest

	m.resetLog()
	r, err = e.run()
	if err != nil || r.Status != StatusUpToDate {
		t.Fatalf("run 2: %v %+v", err, r)
	}
	reqs := m.requests()
	if len(reqs) != 1 || reqs[0].Path != "clamav.hdb" || reqs[0].INM == "" || reqs[0].IMS == "" {
		t.Errorf("run 2 requests %+v, want one conditional GET", reqs)
	}
	if fi, _ := e.store.Feed("custom"); fi.Version != 1 || fi.Digest != digest {
		t.Errorf("store changed: %+v", fi)
	}
	e.assertLog("custom: up to date at version 1")

	changed := append(append([]byte(nil), hdb...), []byte("44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature\n")...)
	m.put("clamav.hdb", changed)
	m.put("clamav.hdb.sha256", sha256Line(changed, "clamav.hdb"))
	r, err = e.run()
	if err != nil || r.To != 2 || r.Signatures != 2 {
		t.Fatalf("run 3: %v %+v", err, r)
	}
	files, _ := e.store.FeedFiles(context.Background(), "custom")
	if len(files) != 1 || string(files[0].Data) != string(changed) {
		t.Errorf("stored %q", files)
	}
}

// F1: a wrong .sha256 fails the feed and leaves the store unchanged.
func TestFilesFeedBadChecksum(t *testing.T) {
	m := newMock(t)
	hdb := corpus(t, "clamav.hdb")
	m.put("clamav.hdb", hdb)
	m.put("clamav.hdb.sha256", sha256Line([]byte("other"), "clamav.hdb"))
	e := filesEnv(t, m)
	r, err := e.run()
	if !errors.Is(err, ErrChecksum) || r.Reason != "checksum" {
		t.Fatalf("err %v reason %q", err, r.Reason)
	}
	if _, err := e.store.Feed("custom"); err == nil {
		t.Fatal("feed stored")
	}
	// Nothing was remembered either: the next run asks unconditionally.
	m.put("clamav.hdb.sha256", sha256Line(hdb, "clamav.hdb"))
	m.resetLog()
	if _, err := e.run(); err != nil {
		t.Fatal(err)
	}
	if q := m.requests()[0]; q.IMS != "" || q.INM != "" {
		t.Errorf("conditional request after a failure: %+v", q)
	}
}

func TestParseSHA256File(t *testing.T) {
	const h = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	cases := []struct {
		in, want string
		ok       bool
	}{
		{h, h, true},
		{h + "  file.hdb\n", h, true},
		{"\ufeff" + h + "\n", h, true},
		{"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", h, true},
		{"\\" + h + "  a\\\\b", h, true},
		{"", "", false},
		{h[:63], "", false},
		{"<html>404</html>", "", false},
	}
	for _, c := range cases {
		got, err := parseSHA256File([]byte(c.in))
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("parseSHA256File(%q) = %q, %v", c.in, got, err)
		}
	}
}

func FuzzParseSHA256File(f *testing.F) {
	f.Add([]byte("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  x\n"))
	f.Add([]byte(""))
	f.Add([]byte("\xef\xbb\xbfzz"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := parseSHA256File(b)
		if err == nil {
			if d, derr := hex.DecodeString(h); derr != nil || len(d) != 32 {
				t.Fatalf("accepted %q", h)
			}
		} else if !errors.Is(err, ErrChecksum) {
			t.Fatalf("error %v not ErrChecksum", err)
		}
	})
}
