package feeds

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// publish builds a native feed version into the mock from files.
func publish(t *testing.T, m *mockMirror, priv string, version int, files map[string]string) {
	t.Helper()
	src := t.TempDir()
	var paths []string
	for name, body := range files {
		p := filepath.Join(src, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	out := filepath.Join(t.TempDir(), "ourfeed")
	if err := BuildNativeFeed(out, priv, NativeBuild{Version: version, Files: paths, Created: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(out)
	for _, ent := range ents {
		b, err := os.ReadFile(filepath.Join(out, ent.Name()))
		if err != nil {
			t.Fatal(err)
		}
		m.put(ent.Name(), b)
	}
}

func nativeEnv(t *testing.T, m *mockMirror, pub string) *env {
	e := newEnv(t, false)
	e.cfg.Feeds = []FeedConfig{{Name: "ourfeed", Type: TypeNative, Mirrors: []string{m.URL()}, PublicKey: pub}}
	return e
}

const hdbLine = "44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature\n"

func TestNativeFeed(t *testing.T) {
	pub, priv, err := Keygen()
	if err != nil {
		t.Fatal(err)
	}
	m := newMock(t)
	m.etags = true
	publish(t, m, priv, 1, map[string]string{"our.hdb": hdbLine})
	e := nativeEnv(t, m, pub)

	r, err := e.run()
	if err != nil || r.Status != StatusUpdated || r.To != 1 || r.Verified != "ed25519" {
		t.Fatalf("run 1: %v %+v\n%s", err, r, e.log)
	}
	fi, _ := e.store.Feed("ourfeed")
	if fi.Format != "native" || !fi.BuildTime.Equal(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("meta %+v", fi.FeedMeta)
	}

	// Unchanged manifest: conditional request, 304, nothing else fetched.
	m.resetLog()
	if r, err := e.run(); err != nil || r.Status != StatusUpToDate {
		t.Fatalf("run 2: %v %+v", err, r)
	}
	if p := m.paths(); len(p) != 1 || m.requests()[0].INM == "" {
		t.Errorf("run 2 requests %v", m.requests())
	}

	publish(t, m, priv, 2, map[string]string{"our.hdb": hdbLine, "more.hdb": "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f:68:Eicar-SHA256\n"})
	if r, err := e.run(); err != nil || r.To != 2 || r.Signatures != 2 {
		t.Fatalf("run 3: %v %+v", err, r)
	}

	// An older, validly signed manifest is not followed.
	publish(t, m, priv, 1, map[string]string{"our.hdb": hdbLine})
	if r, err := e.run(); err != nil || r.Status != StatusUpToDate || r.To != 2 {
		t.Fatalf("run 4: %v %+v", err, r)
	}
	e.assertLog("mirror offers 1, we hold 2: rollback refused")
}

func TestNativeFeedRefusals(t *testing.T) {
	pub, priv, _ := Keygen()
	otherPub, _, _ := Keygen()
	cases := []struct {
		name   string
		pub    string
		tamper func(m *mockMirror)
		reason string
	}{
		{"wrong key", otherPub, nil, "signature"},
		{"manifest edited", pub, func(m *mockMirror) {
			b := m.files[ManifestName]
			m.put(ManifestName, []byte(strings.Replace(string(b), `"version": 1`, `"version": 9`, 1)))
		}, "signature"},
		{"file edited", pub, func(m *mockMirror) { m.put("our.hdb", []byte(strings.ToUpper(hdbLine))) }, "checksum"},
		{"file truncated", pub, func(m *mockMirror) { m.put("our.hdb", []byte(hdbLine[:10])) }, "length"},
		{"no signature", pub, func(m *mockMirror) { m.remove(ManifestSigName) }, "http-404"},
		{"garbage signature", pub, func(m *mockMirror) { m.put(ManifestSigName, []byte("not base64!")) }, "signature"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newMock(t)
			publish(t, m, priv, 1, map[string]string{"our.hdb": hdbLine})
			if c.tamper != nil {
				c.tamper(m)
			}
			e := nativeEnv(t, m, c.pub)
			r, err := e.run()
			if err == nil || r.Reason != c.reason {
				t.Fatalf("err %v reason %q, want %s", err, r.Reason, c.reason)
			}
			if _, err := e.store.Feed("ourfeed"); err == nil {
				t.Fatal("feed stored")
			}
		})
	}
}

func TestKeygenAndBuildNative(t *testing.T) {
	pub, priv, err := Keygen()
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(t.TempDir(), "a.hdb")
	os.WriteFile(src, []byte(hdbLine), 0o644)
	out := filepath.Join(t.TempDir(), "myfeed")
	if err := BuildNative(out, priv, 3, []string{src}); err != nil {
		t.Fatal(err)
	}
	man, _ := os.ReadFile(filepath.Join(out, ManifestName))
	sig, _ := os.ReadFile(filepath.Join(out, ManifestSigName))
	pk, _ := decodePublicKey(pub)
	if err := verifyManifestSig(pk, man, sig); err != nil {
		t.Fatal(err)
	}
	m, err := ParseManifest(man)
	if err != nil || m.Feed != "myfeed" || m.Version != 3 || len(m.Files) != 1 || m.Files[0].Size != int64(len(hdbLine)) {
		t.Fatalf("manifest %+v, %v", m, err)
	}
	if err := BuildNative(out, "bm90IGEga2V5", 4, []string{src}); err == nil {
		t.Error("bad private key accepted")
	}
	if err := BuildNative(out, priv, 0, []string{src}); !errors.Is(err, ErrBadManifest) {
		t.Errorf("version 0: %v", err)
	}
}

func TestParseManifest(t *testing.T) {
	const sum = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	good := `{"feed":"f","version":1,"created":"2025-01-01T00:00:00Z","files":[{"name":"a.hdb","sha256":"` + sum + `","size":0}]}`
	cases := []struct {
		name, in string
		ok       bool
	}{
		{"good", good, true},
		{"unknown field", strings.Replace(good, `"feed"`, `"x":1,"feed"`, 1), true},
		{"trailing data", good + "{}", false},
		{"version 0", strings.Replace(good, `"version":1`, `"version":0`, 1), false},
		{"path in name", strings.Replace(good, "a.hdb", "../a.hdb", 1), false},
		{"manifest name", strings.Replace(good, "a.hdb", "manifest.json", 1), false},
		{"short sha", strings.Replace(good, sum, sum[:10], 1), false},
		{"negative size", strings.Replace(good, `"size":0`, `"size":-1`, 1), false},
		{"no files", `{"feed":"f","version":1,"created":"2025-01-01T00:00:00Z","files":[]}`, false},
		{"bad feed", strings.Replace(good, `"feed":"f"`, `"feed":"a/b"`, 1), false},
		{"not json", "hello", false},
	}
	for _, c := range cases {
		_, err := ParseManifest([]byte(c.in))
		if (err == nil) != c.ok {
			t.Errorf("%s: err %v", c.name, err)
		}
		if err != nil && !errors.Is(err, ErrBadManifest) {
			t.Errorf("%s: %v is not ErrBadManifest", c.name, err)
		}
	}
}

func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(`{"feed":"f","version":1,"created":"2025-01-01T00:00:00Z","files":[{"name":"a.hdb","sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","size":0}]}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseManifest(b)
		if err != nil {
			if !errors.Is(err, ErrBadManifest) {
				t.Fatalf("%v is not ErrBadManifest", err)
			}
			return
		}
		if m.Version < 1 || len(m.Files) == 0 {
			t.Fatalf("accepted %+v", m)
		}
		for _, f := range m.Files {
			if strings.ContainsAny(f.Name, "/\\") || f.Size < 0 {
				t.Fatalf("accepted file %+v", f)
			}
		}
	})
}
