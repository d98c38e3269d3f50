package feeds

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// newHTTPClient has a connect timeout but no total timeout: the read-idle
// timer in request bounds a stalled transfer, while a slow, steady one may
// take as long as it needs (freshclam's old total cap aborted big downloads
// on slow links, ClamAV issue 266).
func newHTTPClient(cfg *Config) *http.Client {
	d := &net.Dialer{Timeout: cfg.ConnectTimeout.Duration, KeepAlive: 30 * time.Second}
	proxy := http.ProxyFromEnvironment
	switch u, _ := cfg.proxyURL(); {
	case u != nil:
		proxy = http.ProxyURL(u)
	case cfg.Proxy == ProxyNone:
		proxy = nil
	}
	return &http.Client{Transport: &http.Transport{
		Proxy:       proxy,
		DialContext: d.DialContext,
		// We check digests of the exact bytes the mirror holds.
		DisableCompression:  true,
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     30 * time.Second,
		TLSHandshakeTimeout: cfg.ConnectTimeout.Duration,
	}}
}

// ProxyNone as the proxy key turns off the environment's proxy.
const ProxyNone = "none"

// proxyURL is the configured proxy; nil for "" (the environment's) and
// ProxyNone.
func (c *Config) proxyURL() (*url.URL, error) {
	if c.Proxy == "" || c.Proxy == ProxyNone {
		return nil, nil
	}
	u, err := url.Parse(c.Proxy)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q: want an http(s) URL like http://proxy.example:3128, or %q", c.Proxy, ProxyNone)
	}
	return u, nil
}

// validators are the conditional-request values remembered per URL.
type validators struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	// Version is what the answer carried (a CVD header's version), so a
	// 304 can be trusted only while we hold at least that version.
	Version int `json:"version,omitempty"`
}

func (u *Updater) loadValidators(rawURL string) validators {
	var v validators
	if b, err := u.store.GetState(stateHTTP, rawURL); err == nil && b != nil {
		_ = json.Unmarshal(b, &v) // unreadable: send an unconditional request
	}
	return v
}

func (u *Updater) saveValidators(rawURL string, v validators) {
	if v.ETag == "" && v.LastModified == "" {
		return
	}
	b, _ := json.Marshal(v)
	if err := u.store.PutState(stateHTTP, rawURL, b); err != nil {
		u.log.Warn("cannot store HTTP validators", "url", rawURL, "err", err)
	}
}

func (v validators) apply(h http.Header) {
	if v.ETag != "" {
		h.Set("If-None-Match", v.ETag)
	}
	if v.LastModified != "" {
		h.Set("If-Modified-Since", v.LastModified)
	}
}

func validatorsOf(resp *http.Response) validators {
	return validators{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
}

// request sends a GET to rawURL, which belongs to mirror (the cool-down
// key). It refuses without a request while the mirror cools down, turns
// 403/429 into a cool-down, and returns 2xx and 304 answers whose body
// fails with ErrStalled after read_idle_timeout without data. The caller
// must close the body.
func (u *Updater) request(ctx context.Context, mirror, rawURL string, hdr http.Header) (*http.Response, error) {
	if err := u.checkCooldown(mirror); err != nil {
		return nil, err
	}
	idle := u.cfg.ReadIdleTimeout.Duration
	rctx, cancel := context.WithCancelCause(ctx)
	timer := time.AfterFunc(idle, func() { cancel(fmt.Errorf("%w: no data for %s", ErrStalled, idle)) })
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, rawURL, nil)
	if err != nil {
		timer.Stop()
		cancel(nil)
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	// An empty value makes net/http send no User-Agent at all.
	req.Header.Set("User-Agent", u.userAgent)
	u.metrics.request()
	resp, err := u.client.Do(req)
	if err != nil {
		timer.Stop()
		// Classify before cancelling rctx: afterwards rctx.Err() is always
		// set and every transport error would read as "canceled".
		err = classifyNetErr(rctx, rawURL, err)
		cancel(nil)
		return nil, err
	}
	resp.Body = &idleBody{rc: resp.Body, timer: timer, idle: idle, ctx: rctx, cancel: cancel, url: rawURL}
	switch {
	case resp.StatusCode == http.StatusNotModified, resp.StatusCode >= 200 && resp.StatusCode < 300:
		return resp, nil
	}
	se := &StatusError{URL: rawURL, Code: resp.StatusCode, Status: resp.Status, Ray: resp.Header.Get("CF-RAY")}
	if resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusTooManyRequests {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		se.Body = strings.TrimSpace(strings.ToValidUTF8(string(body), "?"))
		u.startCooldown(mirror, se, resp.Header.Get("Retry-After"))
	}
	resp.Body.Close()
	return nil, se
}

// classifyNetErr maps transport errors onto our sentinels. The dial check
// comes before the context check: a dial timeout also matches
// context.DeadlineExceeded.
func classifyNetErr(ctx context.Context, rawURL string, err error) error {
	if cause := context.Cause(ctx); cause != nil && errors.Is(cause, ErrStalled) {
		return fmt.Errorf("GET %s: %w", rawURL, cause)
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		if op.Timeout() {
			return fmt.Errorf("GET %s: %w: %v", rawURL, ErrConnTimeout, err)
		}
		return fmt.Errorf("GET %s: %w: %v", rawURL, ErrConnect, err)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("GET %s: %w: %w", rawURL, errCanceled, err)
	}
	return fmt.Errorf("GET %s: %w: %v", rawURL, ErrConnect, err)
}

// idleBody resets the stall timer on every byte received.
type idleBody struct {
	rc     io.ReadCloser
	timer  *time.Timer
	idle   time.Duration
	ctx    context.Context
	cancel context.CancelCauseFunc
	url    string
}

func (b *idleBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if n > 0 {
		b.timer.Reset(b.idle)
	}
	if err != nil && err != io.EOF {
		if cause := context.Cause(b.ctx); cause != nil && errors.Is(cause, ErrStalled) {
			return n, fmt.Errorf("GET %s: %w", b.url, cause)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return n, fmt.Errorf("GET %s: %w: connection closed before Content-Length bytes arrived", b.url, ErrLength)
		}
		if errors.Is(err, context.Canceled) {
			return n, fmt.Errorf("GET %s: %w: %w", b.url, errCanceled, err)
		}
		return n, fmt.Errorf("GET %s: %w: %v", b.url, ErrLength, err)
	}
	return n, err
}

func (b *idleBody) Close() error {
	b.timer.Stop()
	err := b.rc.Close()
	b.cancel(nil)
	return err
}

// download is a verified-later copy of a remote file in the run's temp dir.
type download struct {
	URL    string
	Path   string
	Size   int64
	SHA256 string
	Header http.Header
}

// fetch downloads rawURL into the run's temp directory. 304 returns
// (nil, nil). The body is checked against Content-Length and
// max_download_size here; everything else is the caller's job, before the
// store is touched.
func (u *Updater) fetch(ctx context.Context, run *runState, mirror, rawURL string, hdr http.Header) (*download, error) {
	resp, err := u.request(ctx, mirror, rawURL, hdr)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified {
		return nil, nil
	}
	f, err := os.CreateTemp(run.dir, "dl-*")
	if err != nil {
		return nil, fmt.Errorf("temp file: %w", err)
	}
	h := sha256.New()
	limit := u.cfg.MaxDownloadSize
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(resp.Body, limit+1))
	if cerr := f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err == nil && n > limit {
		err = fmt.Errorf("GET %s: %w (%d bytes)", rawURL, ErrTooLarge, limit)
	}
	if err == nil && resp.ContentLength >= 0 && n != resp.ContentLength {
		err = fmt.Errorf("GET %s: %w: got %d of %d bytes", rawURL, ErrLength, n, resp.ContentLength)
	}
	if err != nil {
		os.Remove(f.Name())
		return nil, err
	}
	u.metrics.downloaded(n)
	return &download{URL: rawURL, Path: f.Name(), Size: n, SHA256: hex.EncodeToString(h.Sum(nil)), Header: resp.Header}, nil
}

func (d *download) bytes() ([]byte, error) { return os.ReadFile(d.Path) }

// joinURL appends name to a base URL.
func joinURL(base, name string) string { return strings.TrimRight(base, "/") + "/" + name }

// originOf is scheme://host of a URL, the cool-down key of a files feed.
func originOf(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return s
	}
	return u.Scheme + "://" + u.Host
}
