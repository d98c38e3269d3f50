package feeds

import (
	"errors"
	"fmt"
	"testing"
)

// F5: 1 -> 6 by five cdiffs and their .sign files, with exactly the
// requests freshclam makes: one header request, five cdiff and five .sign
// GETs, no test.cvd download.
func TestCdiffChain1To6(t *testing.T) {
	m := newMock(t)
	serveChain(t, m, 2, 6, true)
	serveCVD(t, m, 6, true) // present, must not be downloaded
	e := newEnv(t, false, m.URL())
	e.seed(1)
	r, err := e.run()
	if err != nil {
		t.Fatalf("%v\n%s", err, e.log)
	}
	e.assertAt(6)
	e.assertVerified()
	if r.Cdiffs != 5 || r.Method != "cdiff" || r.Verified != "sign" {
		t.Errorf("result %+v", r)
	}
	want := []string{"test.cvd[range]"}
	for n := 2; n <= 6; n++ {
		want = append(want, fmt.Sprintf("test-%d.cdiff", n), fmt.Sprintf("test-%d.cdiff.sign", n))
	}
	if got := m.paths(); !equalStrings(got, want) {
		t.Errorf("requests\n %v\nwant\n %v", got, want)
	}
	e.assertLog("test: 1 -> 6 by 5 cdiffs")
	fi, _ := e.store.Feed("test")
	if fi.Format != "cld" || fi.HeaderSigs != 14 || fi.Builder != "micasnyd" {
		t.Errorf("meta %+v", fi.FeedMeta)
	}

	// Run 3 of F8 in passing: nothing new, one header request.
	m.resetLog()
	if r, err := e.run(); err != nil || r.Status != StatusUpToDate {
		t.Fatalf("second run: %v %+v", err, r)
	}
	if got := m.paths(); !equalStrings(got, []string{"test.cvd[range]"}) {
		t.Errorf("second run requests %v", got)
	}
}

// Without .sign files the PSS signature inside each cdiff is used; without
// certs_dir no .sign is even asked for.
func TestCdiffChainPSS(t *testing.T) {
	m := newMock(t)
	serveChain(t, m, 2, 6, false)
	advertise(t, m, 6)
	e := newEnv(t, false, m.URL())
	e.cfg.CertsDir = ""
	e.seed(1)
	r, err := e.run()
	if err != nil {
		t.Fatal(err)
	}
	e.assertAt(6)
	if r.Verified != "pss" || len(m.requests()) != 6 {
		t.Errorf("verified %q, requests %v", r.Verified, m.paths())
	}
}

// F6: 3 -> 6 with test-6.cdiff and test.cvd missing: keep 5 and warn.
// Run 2 (our rule, as the updater issue asks): fall back to test.cvd.
func TestCdiffOneMissing(t *testing.T) {
	m := newMock(t)
	serveChain(t, m, 4, 5, true)
	advertise(t, m, 6)
	e := newEnv(t, false, m.URL())
	e.seed(3)
	r, err := e.run()
	if err != nil {
		t.Fatalf("run 1: %v", err)
	}
	e.assertAt(5)
	if r.Cdiffs != 2 || len(r.Warnings) != 1 {
		t.Errorf("result %+v", r)
	}
	e.assertLog("partial update to 5 of 6", "test-6.cdiff", "test.cvd not on mirror")

	serveCVD(t, m, 6, true)
	m.resetLog()
	r, err = e.run()
	if err != nil || r.Method != "cvd" {
		t.Fatalf("run 2: %v %+v", err, r)
	}
	e.assertAt(6)
	want := []string{"test.cvd[range]", "test-6.cdiff", "test.cvd", "test-6.cvd.sign"}
	if got := m.paths(); !equalStrings(got, want) {
		t.Errorf("run 2 requests %v, want %v", got, want)
	}
}

// F7: 3 -> 6 with only test-4.cdiff: apply it, then take test-6.cvd.
func TestCdiffTwoMissingFallsBack(t *testing.T) {
	m := newMock(t)
	serveChain(t, m, 4, 4, true)
	serveCVD(t, m, 6, true)
	e := newEnv(t, false, m.URL())
	e.seed(3)
	r, err := e.run()
	if err != nil {
		t.Fatal(err)
	}
	e.assertAt(6)
	if r.Method != "cvd" || r.From != 3 || r.To != 6 {
		t.Errorf("result %+v", r)
	}
	e.assertLog("applied cdiff", "cdiff=test-4.cdiff", "incremental update stopped", "test-5.cdiff", "fallback=test.cvd")
}

// F8: an empty cdiff means "take the CVD"; the CVD is older than
// advertised (5 of 6) and is accepted; run 2 reaches 6 with one cdiff;
// run 3 changes nothing.
func TestEmptyCdiffAndOlderCVD(t *testing.T) {
	m := newMock(t)
	serveChain(t, m, 2, 2, true)
	m.put("test-3.cdiff", []byte{})
	serveChain(t, m, 5, 6, true)
	serveCVD(t, m, 5, true)
	advertise(t, m, 6)
	e := newEnv(t, false, m.URL())
	e.seed(1)

	r, err := e.run()
	if err != nil {
		t.Fatalf("run 1: %v", err)
	}
	e.assertAt(5)
	e.assertLog("test-3.cdiff", "empty file", "mirror offered 5, header said 6")
	if r.Method != "cvd" {
		t.Errorf("run 1 %+v", r)
	}

	m.resetLog()
	r, err = e.run()
	if err != nil || r.Cdiffs != 1 {
		t.Fatalf("run 2: %v %+v", err, r)
	}
	e.assertAt(6)
	want := []string{"test.cvd[range]", "test-6.cdiff", "test-6.cdiff.sign"}
	if got := m.paths(); !equalStrings(got, want) {
		t.Errorf("run 2 requests %v, want %v", got, want)
	}
	if m.count("test-4.cdiff") != 0 {
		t.Error("test-4.cdiff requested")
	}

	m.resetLog()
	if r, err := e.run(); err != nil || r.Status != StatusUpToDate || len(m.requests()) != 1 {
		t.Fatalf("run 3: %v %+v %v", err, r, m.paths())
	}
}

// F9: two rounds, 1 -> 3 then 3 -> 6; round 2 does not fetch 2-3 again.
func TestCdiffTwoRounds(t *testing.T) {
	m := newMock(t)
	serveChain(t, m, 2, 3, true)
	advertise(t, m, 3)
	e := newEnv(t, false, m.URL())
	e.seed(1)
	if _, err := e.run(); err != nil {
		t.Fatal(err)
	}
	e.assertAt(3)
	e.assertVerified()

	serveChain(t, m, 4, 6, true)
	advertise(t, m, 6)
	m.resetLog()
	if _, err := e.run(); err != nil {
		t.Fatal(err)
	}
	e.assertAt(6)
	e.assertVerified()
	for _, n := range []string{"test-2.cdiff", "test-3.cdiff"} {
		if m.count(n) != 0 {
			t.Errorf("%s fetched again", n)
		}
	}
}

// Corrupted cdiffs are never applied: the store stays, the reason names
// the check. With no CVD to fall back to, the feed fails.
func TestCorruptCdiff(t *testing.T) {
	six := corpus(t, "test-6.cdiff")
	flipped := append([]byte(nil), six...)
	flipped[100] ^= 0x01
	cases := []struct {
		name   string
		body   []byte
		sign   bool
		reason string
	}{
		{"flipped byte, .sign", flipped, true, "signature"},
		{"flipped byte, PSS", flipped, false, "gzip"},
		{"cut inside gzip, .sign", six[:200], true, "signature"},
		{"cut inside gzip, PSS", six[:200], false, "gzip"},
		{"another version's cdiff, PSS", corpus(t, "test-5.cdiff"), false, "cdiff"},
		{"signature of another file", append(append([]byte(nil), six[:len(six)-20]...), corpus(t, "test-5.cdiff")[len(corpus(t, "test-5.cdiff"))-20:]...), false, "signature"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newMock(t)
			m.put("test-6.cdiff", c.body)
			if c.sign {
				m.put("test-6.cdiff.sign", corpus(t, "test-6.cdiff.sign"))
			}
			advertise(t, m, 6)
			e := newEnv(t, false, m.URL())
			e.seed(5)
			r, err := e.run()
			if err == nil || r.Reason != c.reason {
				t.Fatalf("err %v, reason %q; want %s\n%s", err, r.Reason, c.reason, e.log)
			}
			e.assertAt(5)
			e.assertLog("reason=" + c.reason)
		})
	}
}

// X3: a truncated cdiff with a Content-Length larger than what arrives.
func TestCdiffTransferCut(t *testing.T) {
	m := newMock(t)
	advertise(t, m, 6)
	m.handle("test-6.cdiff", truncatingHandler(corpus(t, "test-6.cdiff"), 300))
	e := newEnv(t, false, m.URL())
	e.seed(5)
	r, err := e.run()
	if !errors.Is(err, ErrLength) || r.Reason != "length" {
		t.Fatalf("err %v reason %q", err, r.Reason)
	}
	e.assertAt(5)
}

// The sigtool_test.py regression: test-3's script applied to version 1
// fails on XCHG line 4; the store is untouched.
func TestCdiffOutOfOrder(t *testing.T) {
	m := newMock(t)
	m.put("test-2.cdiff", ourCdiff(t, 3, 2, "", ""))
	advertise(t, m, 2)
	e := newEnv(t, false, m.URL())
	e.cdiffKey = &cdiffTestKey(t).PublicKey
	e.seed(1)
	r, err := e.run()
	if !errors.Is(err, ErrCdiff) || r.Reason != "cdiff" {
		t.Fatalf("err %v reason %q", err, r.Reason)
	}
	e.assertAt(1)
	e.assertLog("line 4")
}

// X5: a validly signed cdiff whose result is not test-6: the applier
// succeeds, the .info check names the member, the updater falls back to
// test-6.cvd; with no CVD offered the feed fails and stays at 5.
func TestCdiffResultMismatch(t *testing.T) {
	bad := ourCdiff(t, 6, 6, "ff254c404000ff25544040", "ff254c404000ff25544041")
	for _, withCVD := range []bool{true, false} {
		t.Run(fmt.Sprint("cvd=", withCVD), func(t *testing.T) {
			m := newMock(t)
			m.put("test-6.cdiff", bad)
			advertise(t, m, 6)
			if withCVD {
				serveCVD(t, m, 6, true)
			}
			e := newEnv(t, false, m.URL())
			e.cdiffKey = &cdiffTestKey(t).PublicKey
			e.seed(5)
			r, err := e.run()
			e.assertLog("test.ndb has SHA-256")
			if withCVD {
				if err != nil {
					t.Fatal(err)
				}
				e.assertAt(6)
				return
			}
			if !errors.Is(err, ErrInfo) || r.Reason != "info" {
				t.Fatalf("err %v reason %q", err, r.Reason)
			}
			e.assertAt(5)
		})
	}
}

// X3: stored members that no longer match their .info (a damaged store)
// make the cdiff result fail its check; the whole CVD repairs the feed.
func TestDamagedStoreRepairedByCVD(t *testing.T) {
	m := newMock(t)
	serveChain(t, m, 6, 6, true)
	serveCVD(t, m, 6, true)
	e := newEnv(t, true, m.URL())
	e.seed(5)
	ms := e.store.(*memStore)
	f := ms.feeds["test"]
	for i := range f.files {
		if f.files[i].Name == "test.ldb" {
			f.files[i].Data = append([]byte("# damaged\n"), f.files[i].Data...)
		}
	}
	r, err := e.run()
	if err != nil || r.Method != "cvd" {
		t.Fatalf("err %v, result %+v", err, r)
	}
	e.assertAt(6)
	e.assertLog("test.ldb is")
}
