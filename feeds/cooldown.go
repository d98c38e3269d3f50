package feeds

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// cooldownRecord is one mirror's cool-down as kept in the store, so that a
// restarted daemon keeps honouring it (freshclam keeps one for all mirrors
// in freshclam.dat; ours is per mirror).
type cooldownRecord struct {
	Until  time.Time `json:"until"`
	Status int       `json:"status"`
	URL    string    `json:"url,omitempty"`
	Ray    string    `json:"cf_ray,omitempty"`
}

// Cooldown is a mirror's cool-down as reported to operators.
type Cooldown struct {
	Mirror string
	Until  time.Time
	Status int // the HTTP status that caused it
}

func (u *Updater) cooldown(mirror string) (*cooldownRecord, error) {
	b, err := u.store.GetState(stateCooldown, mirror)
	if err != nil || b == nil {
		return nil, err
	}
	var r cooldownRecord
	if err := json.Unmarshal(b, &r); err != nil {
		// A damaged record must not block a mirror for ever.
		u.log.Warn("ignoring unreadable cool-down record", "mirror", mirror, "err", err)
		return nil, nil
	}
	return &r, nil
}

// checkCooldown returns a *CoolDownError while mirror is cooling down; once
// the window has passed it clears the record and logs that.
func (u *Updater) checkCooldown(mirror string) error {
	r, err := u.cooldown(mirror)
	if err != nil {
		return fmt.Errorf("%w: reading cool-down: %w", ErrStore, err)
	}
	if r == nil {
		return nil
	}
	now := u.now()
	if now.Before(r.Until) {
		u.log.Warn("mirror on cool-down, not contacting it", "mirror", mirror,
			"until", r.Until.UTC().Format(time.RFC3339), "status", r.Status)
		return &CoolDownError{Mirror: mirror, Until: r.Until, Status: r.Status}
	}
	u.log.Info("mirror cool-down ended", "mirror", mirror, "ended", r.Until.UTC().Format(time.RFC3339))
	if err := u.store.PutState(stateCooldown, mirror, nil); err != nil {
		return fmt.Errorf("%w: clearing cool-down: %w", ErrStore, err)
	}
	u.metrics.setCooldown(mirror, time.Time{})
	return nil
}

// startCooldown records a cool-down for mirror after a 403 or 429.
func (u *Updater) startCooldown(mirror string, se *StatusError, retryAfter string) {
	now := u.now()
	switch se.Code {
	case http.StatusForbidden:
		se.Until = now.Add(u.cfg.Cooldown403.Duration)
	case http.StatusTooManyRequests:
		d, ok := parseRetryAfter(retryAfter, now)
		if !ok {
			d = u.cfg.Cooldown429.Duration
		}
		se.Until = now.Add(d)
	default:
		return
	}
	rec, _ := json.Marshal(cooldownRecord{Until: se.Until, Status: se.Code, URL: se.URL, Ray: se.Ray})
	if err := u.store.PutState(stateCooldown, mirror, rec); err != nil {
		u.log.Error("cannot store cool-down", "mirror", mirror, "err", err)
	}
	u.metrics.setCooldown(mirror, se.Until)
	attrs := []any{"mirror", mirror, "status", se.Code, "url", se.URL,
		"until", se.Until.UTC().Format(time.RFC3339)}
	if se.Ray != "" {
		attrs = append(attrs, "cf_ray", se.Ray)
	}
	if se.Body != "" {
		attrs = append(attrs, "body", se.Body)
	}
	if se.Code == http.StatusForbidden {
		// The CDN filters on User-Agent; proxies that drop it are the
		// usual cause (ClamAV issue 1287).
		attrs = append(attrs, "hint", "blocked by the mirror or CDN; if a proxy sits in between, check that it forwards the User-Agent header")
	}
	u.log.Warn("mirror put on cool-down", attrs...)
}

// parseRetryAfter reads Retry-After as delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 || n > int64(30*24*time.Hour/time.Second) {
			return 0, false
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		if d > 30*24*time.Hour {
			return 0, false
		}
		return d, true
	}
	return 0, false
}

// Cooldowns lists the configured mirrors that are cooling down now.
func Cooldowns(st StoreReader, cfg *Config, now time.Time) ([]Cooldown, error) {
	var out []Cooldown
	for _, m := range cfg.mirrorKeys() {
		b, err := st.GetState(stateCooldown, m)
		if err != nil {
			return nil, err
		}
		var r cooldownRecord
		if b == nil || json.Unmarshal(b, &r) != nil || !now.Before(r.Until) {
			continue
		}
		out = append(out, Cooldown{Mirror: m, Until: r.Until, Status: r.Status})
	}
	return out, nil
}

// ClearCooldowns removes the cool-down of every configured mirror (or only
// of mirror when it is not empty) and returns the mirrors it cleared: the
// operator's answer to a block that has been lifted (ClamAV operators are
// told to delete freshclam.dat instead).
func ClearCooldowns(st Store, cfg *Config, mirror string) ([]string, error) {
	var cleared []string
	for _, m := range cfg.mirrorKeys() {
		if mirror != "" && m != strings.TrimRight(mirror, "/") {
			continue
		}
		b, err := st.GetState(stateCooldown, m)
		if err != nil {
			return cleared, err
		}
		if b == nil {
			continue
		}
		if err := st.PutState(stateCooldown, m, nil); err != nil {
			return cleared, err
		}
		cleared = append(cleared, m)
	}
	return cleared, nil
}

// mirrorKeys are the keys cool-downs are stored under: mirror base URLs
// without a trailing slash, and for files feeds each URL's origin.
func (c *Config) mirrorKeys() []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, f := range c.Feeds {
		for _, m := range f.Mirrors {
			add(mirrorKey(m))
		}
		for _, u := range f.URLs {
			add(originOf(u))
		}
	}
	return out
}

func mirrorKey(m string) string { return strings.TrimRight(m, "/") }
