package feeds

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

// From an empty store to version 6 by the whole CVD, verified by its .sign.
func TestEmptyToSixByCVD(t *testing.T) {
	for _, fake := range []bool{false, true} {
		name := "sigdb"
		if fake {
			name = "memstore"
		}
		t.Run(name, func(t *testing.T) {
			m := newMock(t)
			serveCVD(t, m, 6, true)
			e := newEnv(t, fake, m.URL())
			r, err := e.run()
			if err != nil {
				t.Fatalf("RunOnce: %v\n%s", err, e.log)
			}
			e.assertAt(6)
			if r.Status != StatusUpdated || r.From != 0 || r.To != 6 || r.Method != "cvd" || r.Verified != "sign" {
				t.Errorf("result %+v", r)
			}
			want := []string{"test.cvd[range]", "test.cvd", "test-6.cvd.sign"}
			if got := m.paths(); !equalStrings(got, want) {
				t.Errorf("requests %v, want %v", got, want)
			}
			for _, q := range m.requests() {
				if q.UA != "sigupdated/test" {
					t.Errorf("User-Agent %q", q.UA)
				}
			}
			e.assertLog("test: 0 -> 6 by cvd")
			fi, _ := e.store.Feed("test")
			if fi.Format != "cvd" || fi.HeaderSigs != 14 || fi.Builder != "micasnyd" {
				t.Errorf("meta %+v", fi.FeedMeta)
			}
		})
	}
}

// X7: without .sign files the header RSA signature verifies.
func TestCVDWithoutSignUsesHeaderRSA(t *testing.T) {
	m := newMock(t)
	serveCVD(t, m, 6, false)
	e := newEnv(t, false, m.URL())
	r, err := e.run()
	if err != nil {
		t.Fatal(err)
	}
	e.assertAt(6)
	if r.Verified != "rsa" {
		t.Errorf("verified by %q, want rsa", r.Verified)
	}
	e.assertLog("verified=rsa")
}

// X7: a .sign present but invalid is fatal, no fallback to the header.
func TestCVDInvalidSignRefused(t *testing.T) {
	m := newMock(t)
	serveCVD(t, m, 6, false)
	m.put("test-6.cvd.sign", corpus(t, "test-5.cvd.sign")) // signs other bytes
	e := newEnv(t, false, m.URL())
	e.seed(3)
	r, err := e.run()
	if err == nil || r.Reason != "signature" {
		t.Fatalf("err %v, reason %q; want a signature failure", err, r.Reason)
	}
	e.assertAt(3)
}

// X7: require_sign without a .sign refuses the header signature.
func TestRequireSign(t *testing.T) {
	m := newMock(t)
	serveCVD(t, m, 6, false)
	e := newEnv(t, false, m.URL())
	e.cfg.RequireSign = true
	r, err := e.run()
	if !errors.Is(err, ErrSignature) || r.Reason != "signature" {
		t.Fatalf("err %v reason %q", err, r.Reason)
	}
	if e.version() != 0 {
		t.Fatal("stored without a .sign")
	}
}

// The contract check's case 3 and X3(b): one flipped byte, or a body cut
// short with a matching Content-Length, fails the MD5; the store stays.
func TestCorruptCVD(t *testing.T) {
	six := corpus(t, "test-6.cvd")
	flipped := append([]byte(nil), six...)
	flipped[700] ^= 0x55
	cases := []struct {
		name   string
		body   []byte
		reason string
		log    string
	}{
		{"flipped byte", flipped, "md5", "MD5 mismatch"},
		{"cut short", six[:len(six)-1000], "md5", "MD5 mismatch"},
		{"header only", six[:512], "md5", "MD5 mismatch"},
		{"shorter than a header", six[:100], "length", "shorter than a header"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newMock(t)
			m.put("test.cvd", c.body)
			advertise(t, m, 6)
			e := newEnv(t, false, m.URL())
			e.seed(3)
			r, err := e.run()
			if err == nil || r.Reason != c.reason {
				t.Fatalf("err %v, reason %q; want %s", err, r.Reason, c.reason)
			}
			e.assertAt(3)
			e.assertLog(c.log, "reason="+c.reason)
		})
	}
}

// X3(a): Content-Length larger than the body, then the connection closes.
func TestTruncatedTransfer(t *testing.T) {
	m := newMock(t)
	six := corpus(t, "test-6.cvd")
	advertise(t, m, 6)
	m.handle("test.cvd", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Range") != "" {
			w.WriteHeader(http.StatusPartialContent)
			w.Write(six[:512])
			return
		}
		w.Header().Set("Content-Length", "9952")
		w.WriteHeader(http.StatusOK)
		w.Write(six[:4000])
		// Returning with fewer bytes than announced makes the server
		// close the connection.
	})
	e := newEnv(t, false, m.URL())
	e.seed(3)
	r, err := e.run()
	if !errors.Is(err, ErrLength) || r.Reason != "length" {
		t.Fatalf("err %v, reason %q", err, r.Reason)
	}
	e.assertAt(3)
}

// X3(d): connection refused.
func TestConnectionRefused(t *testing.T) {
	m := newMock(t)
	url := m.URL()
	m.srv.Close()
	e := newEnv(t, false, url)
	e.seed(3)
	r, err := e.run()
	if !errors.Is(err, ErrConnect) || r.Reason != "connect" {
		t.Fatalf("err %v, reason %q", err, r.Reason)
	}
	e.assertAt(3)
	e.assertLog("reason=connect")
}

// X4 and the contract check's case 4: a mirror offering version 3 to a
// store at 6 is not followed; exit 0 with a warning.
func TestRollbackRefused(t *testing.T) {
	m := newMock(t)
	serveCVD(t, m, 3, true)
	e := newEnv(t, false, m.URL())
	e.seed(6)
	r, err := e.run()
	if err != nil || r.Status != StatusUpToDate {
		t.Fatalf("err %v, result %+v", err, r)
	}
	e.assertAt(6)
	e.assertLog("mirror offers 3, we hold 6: rollback refused")
	if m.count("test.cvd") != 1 {
		t.Errorf("requests %v: want only the header request", m.paths())
	}
}

// A mirror whose header says 7 but whose CVD is older than ours is refused.
func TestOlderCVDThanLocalRefused(t *testing.T) {
	m := newMock(t)
	serveCVD(t, m, 3, true)
	hdr := []byte(strings.Replace(string(corpus(t, "test-6.cvd")[:512]), ":6:14:", ":7:14:", 1))
	m.advertise("test.cvd", hdr)
	e := newEnv(t, false, m.URL())
	e.seed(5)
	r, err := e.run()
	if !errors.Is(err, ErrRollback) || r.Reason != "rollback" {
		t.Fatalf("err %v, reason %q", err, r.Reason)
	}
	e.assertAt(5)
}

// X4: store at 4, header says 6, the CVD served is 5: take 5 and say so.
func TestOlderCVDThanAdvertisedAccepted(t *testing.T) {
	m := newMock(t)
	serveCVD(t, m, 5, true)
	advertise(t, m, 6)
	e := newEnv(t, false, m.URL())
	e.seed(4)
	r, err := e.run()
	if err != nil {
		t.Fatal(err)
	}
	e.assertAt(5)
	if len(r.Warnings) != 1 {
		t.Errorf("warnings %q", r.Warnings)
	}
	e.assertLog("mirror offered 5, header said 6")

	// The next cycle continues from 5: one cdiff, no CVD.
	serveChain(t, m, 6, 6, true)
	m.resetLog()
	r, err = e.run()
	if err != nil || r.From != 5 || r.Cdiffs != 1 || r.Method != "cdiff" {
		t.Fatalf("next cycle: %v %+v", err, r)
	}
	e.assertAt(6)
	if m.count("test.cvd") != 1 {
		t.Errorf("next cycle requests %v: want no CVD download", m.paths())
	}
}

// X9: a mirror that ignores Range and answers 200 with the whole file.
func TestMirrorIgnoringRange(t *testing.T) {
	m := newMock(t)
	six := corpus(t, "test-6.cvd")
	m.handle("test.cvd", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "9952")
		w.Write(six)
	})
	e := newEnv(t, false, m.URL())
	e.seed(6)
	r, err := e.run()
	if err != nil || r.Status != StatusUpToDate {
		t.Fatalf("err %v result %+v", err, r)
	}
	if n := m.count("test.cvd"); n != 1 {
		t.Errorf("%d header requests, want 1", n)
	}
}

// X2: a header answer shorter than 512 bytes is one failure, no retry loop.
func TestShortHeader(t *testing.T) {
	m := newMock(t)
	m.handle("test.cvd", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ClamAV-VDB:short"))
	})
	e := newEnv(t, false, m.URL())
	e.seed(3)
	r, err := e.run()
	if !errors.Is(err, ErrLength) || r.Reason != "length" {
		t.Fatalf("err %v reason %q", err, r.Reason)
	}
	if n := len(m.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	e.assertAt(3)
}

// X2: the CDN answers 403 unless the User-Agent is ours; forcing an empty
// one gets the 403 and a hint about proxies.
func TestUserAgentFilter(t *testing.T) {
	for _, tc := range []struct {
		name string
		ua   *string
		ok   bool
	}{{"default", nil, true}, {"forced empty", new(string), false}} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMock(t)
			serveCVD(t, m, 6, true)
			m.uaFilter = func(ua string) bool { return strings.HasPrefix(ua, "sigupdated/") }
			e := newEnv(t, false, m.URL())
			e.cfg.UserAgent = tc.ua
			_, err := e.run()
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				e.assertAt(6)
				return
			}
			if !errors.Is(err, ErrForbidden) {
				t.Fatalf("err %v", err)
			}
			if q := m.requests()[0]; q.HasUA {
				t.Errorf("sent User-Agent %q", q.UA)
			}
			e.assertLog("forwards the User-Agent")
		})
	}
}
