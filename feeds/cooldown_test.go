package feeds

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func storedCooldown(t *testing.T, e *env, mirror string) cooldownRecord {
	t.Helper()
	b, err := e.store.GetState(stateCooldown, mirror)
	if err != nil || b == nil {
		t.Fatalf("no cool-down stored for %s (%v)", mirror, err)
	}
	var r cooldownRecord
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// F2/X1: a 403 on the full download puts the mirror on a 24 h cool-down
// that a new process (a new Updater on the same store) honours without a
// request; a second, healthy mirror is used meanwhile.
func TestForbiddenCooldown(t *testing.T) {
	blocked := newMock(t)
	advertise(t, blocked, 6)
	blocked.handle("test.cvd", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Range") != "" {
			w.WriteHeader(http.StatusPartialContent)
			w.Write(corpus(t, "test-6.cvd")[:512])
			return
		}
		w.Header().Set("CF-RAY", "8a1b2c3d4e5f-AMS")
		http.Error(w, "<html>Forbidden</html>", http.StatusForbidden)
	})
	e := newEnv(t, false, blocked.URL())
	e.now = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

	r, err := e.run()
	if !errors.Is(err, ErrForbidden) || r.Reason != "http-403" {
		t.Fatalf("run 1: err %v reason %q", err, r.Reason)
	}
	if e.version() != 0 {
		t.Fatal("store written")
	}
	cd := storedCooldown(t, e, blocked.URL())
	if want := e.now.Add(24 * time.Hour); !cd.Until.Equal(want) || cd.Status != 403 {
		t.Errorf("cool-down %+v, want until %v", cd, want)
	}
	e.assertLog("mirror put on cool-down", "until=2025-03-02T12:00:00Z", "status=403", "cf_ray=8a1b2c3d4e5f-AMS", "Forbidden")

	// Run 2, a new Updater: no request at all to the cooled-down mirror.
	blocked.resetLog()
	e.now = e.now.Add(time.Hour)
	r, err = e.run()
	if !errors.Is(err, ErrCoolDown) || r.Reason != "cooldown" {
		t.Fatalf("run 2: err %v reason %q", err, r.Reason)
	}
	if n := len(blocked.requests()); n != 0 {
		t.Errorf("%d requests to a cooled-down mirror", n)
	}
	e.assertLog("on cool-down", "until=2025-03-02T12:00:00Z")

	// With a second, healthy mirror the same run updates from it.
	good := newMock(t)
	serveCVD(t, good, 6, true)
	e.cfg.Feeds[0].Mirrors = []string{blocked.URL(), good.URL()}
	r, err = e.run()
	if err != nil || r.Mirror != good.URL() {
		t.Fatalf("run 3: err %v, result %+v", err, r)
	}
	e.assertAt(6)
	if n := len(blocked.requests()); n != 0 {
		t.Errorf("%d requests to a cooled-down mirror", n)
	}

	// The operator clears it.
	cleared, err := ClearCooldowns(e.store, e.cfg, "")
	if err != nil || len(cleared) != 1 || cleared[0] != blocked.URL() {
		t.Fatalf("ClearCooldowns = %v, %v", cleared, err)
	}
	if cds, _ := Cooldowns(e.store, e.cfg, e.now); len(cds) != 0 {
		t.Errorf("still cooling: %+v", cds)
	}
}

// F4: 429 honours Retry-After (seconds or HTTP date), default 4 h; a run
// inside the window makes no request, one after it does and says so.
func TestRateLimitCooldown(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name, retryAfter string
		want             time.Duration
	}{
		{"seconds", "60", 60 * time.Second},
		{"http date", now.Add(2 * time.Hour).Format(http.TimeFormat), 2 * time.Hour},
		{"none", "", 4 * time.Hour},
		{"garbage", "soon", 4 * time.Hour},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newMock(t)
			m.handle("test.cvd", func(w http.ResponseWriter, r *http.Request) {
				if c.retryAfter != "" {
					w.Header().Set("Retry-After", c.retryAfter)
				}
				http.Error(w, "slow down", http.StatusTooManyRequests)
			})
			e := newEnv(t, false, m.URL())
			e.now = now
			r, err := e.run()
			if !errors.Is(err, ErrRateLimited) || r.Reason != "http-429" {
				t.Fatalf("err %v reason %q", err, r.Reason)
			}
			cd := storedCooldown(t, e, m.URL())
			if d := cd.Until.Sub(now); d < c.want-2*time.Second || d > c.want+2*time.Second {
				t.Errorf("cool-down %v, want %v", d, c.want)
			}
			e.assertLog("until=" + now.Add(c.want).UTC().Format(time.RFC3339))

			e.now = now.Add(c.want - time.Second)
			if _, err := e.run(); !errors.Is(err, ErrCoolDown) {
				t.Fatalf("inside the window: %v", err)
			}
			if n := len(m.requests()); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}

			e.now = now.Add(c.want + time.Second)
			serveCVD(t, m, 6, true)
			m.handle("test.cvd", nil)
			if _, err := e.run(); err != nil {
				t.Fatalf("after the window: %v", err)
			}
			e.assertAt(6)
			e.assertLog("mirror cool-down ended")
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"0", 0, true},
		{"120", 2 * time.Minute, true},
		{" 60 ", time.Minute, true},
		{"Sat, 01 Mar 2025 13:00:00 GMT", time.Hour, true},
		{"Sat, 01 Mar 2025 11:00:00 GMT", 0, true}, // past: no wait
		{"-5", 0, false},
		{"99999999999", 0, false},
		{"", 0, false},
		{"tomorrow", 0, false},
	}
	for _, c := range cases {
		got, ok := parseRetryAfter(c.in, now)
		if got != c.want || ok != c.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"60", "Sat, 01 Mar 2025 13:00:00 GMT", "", "-1", "1e9"} {
		f.Add(s)
	}
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := parseRetryAfter(s, now)
		if d < 0 || d > 30*24*time.Hour || (!ok && d != 0) {
			t.Fatalf("parseRetryAfter(%q) = %v, %v", s, d, ok)
		}
		if ok && strings.TrimSpace(s) == "" {
			t.Fatal("empty accepted")
		}
	})
}
