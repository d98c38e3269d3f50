package feeds

import (
	"errors"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// X6: a server trickling 1 byte every 2 s trips the read-idle timeout
// within its value + 1 s.
func TestStalledTransfer(t *testing.T) {
	m := newMock(t)
	advertise(t, m, 6)
	m.handle("test.cvd", trickle(corpus(t, "test-6.cvd"), 1, 2*time.Second))
	e := newEnv(t, false, m.URL())
	e.cfg.ReadIdleTimeout.Duration = 500 * time.Millisecond
	e.seed(3)
	start := time.Now()
	r, err := e.run()
	took := time.Since(start)
	if !errors.Is(err, ErrStalled) || r.Reason != "timeout" {
		t.Fatalf("err %v reason %q", err, r.Reason)
	}
	if took > 1500*time.Millisecond {
		t.Errorf("took %v, want under idle timeout + 1 s", took)
	}
	e.assertAt(3)
	e.assertLog("transfer stalled")
}

// X6: a server trickling 1 byte every 2 s through the body of the whole
// CVD (the header request is answered at once) fails the same way: the
// idle timer covers downloads, not only the header read.
func TestStalledDownloadBody(t *testing.T) {
	m := newMock(t)
	six := corpus(t, "test-6.cvd")
	m.handle("test.cvd", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Range") != "" {
			w.WriteHeader(http.StatusPartialContent)
			w.Write(six[:512])
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(six)))
		w.WriteHeader(http.StatusOK)
		w.Write(six[:2048]) // a good start, then a trickle
		w.(http.Flusher).Flush()
		for i := 2048; i < len(six); i++ {
			select {
			case <-time.After(2 * time.Second):
			case <-r.Context().Done():
				return
			}
			if _, err := w.Write(six[i : i+1]); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	})
	e := newEnv(t, false, m.URL())
	e.cfg.ReadIdleTimeout.Duration = 500 * time.Millisecond
	e.seed(3)
	start := time.Now()
	r, err := e.run() // also asserts no temp file is left
	took := time.Since(start)
	if !errors.Is(err, ErrStalled) || r.Reason != "timeout" {
		t.Fatalf("err %v reason %q", err, r.Reason)
	}
	if took > e.cfg.ReadIdleTimeout.Duration+time.Second {
		t.Errorf("took %v, want under idle timeout + 1 s", took)
	}
	if m.count("test.cvd") != 2 {
		t.Errorf("requests %v: want the header and one download", m.paths())
	}
	e.assertAt(3)
	e.assertLog("transfer stalled", "reason=timeout")
}

// X6: a slow but steady transfer that takes several idle timeouts in total
// completes: there is no total cap. SCENARIOS.md names 20 KiB/s.
func TestSlowSteadyTransferCompletes(t *testing.T) {
	cases := []struct {
		name     string
		chunk    int
		interval time.Duration
		idle     time.Duration
	}{
		{"10 KiB/s", 1024, 100 * time.Millisecond, 400 * time.Millisecond},
		{"20 KiB/s", 512, 25 * time.Millisecond, 200 * time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newMock(t)
			advertise(t, m, 6)
			m.handle("test.cvd", trickle(corpus(t, "test-6.cvd"), c.chunk, c.interval))
			e := newEnv(t, false, m.URL())
			e.cfg.ReadIdleTimeout.Duration = c.idle
			start := time.Now()
			if _, err := e.run(); err != nil {
				t.Fatal(err)
			}
			if took := time.Since(start); took < 2*e.cfg.ReadIdleTimeout.Duration {
				t.Fatalf("took only %v: not a test of a long transfer", took)
			}
			e.assertAt(6)
		})
	}
}

// X6: the connect timeout, against a listening socket whose accept queue
// is full, so the kernel drops our SYN and the connect hangs.
func TestConnectTimeout(t *testing.T) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Skip(err)
	}
	defer syscall.Close(fd)
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Skip(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Skip(err)
	}
	sa, _ := syscall.Getsockname(fd)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(sa.(*syscall.SockaddrInet4).Port))
	// Fill the accept queue; never accept.
	for i := 0; i < 8; i++ {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			break
		}
		defer c.Close()
	}
	if c, err := net.DialTimeout("tcp", addr, 300*time.Millisecond); err == nil {
		c.Close()
		t.Skip("kernel completes connections beyond the backlog; cannot provoke a connect timeout here")
	}
	e := newEnv(t, false, "http://"+addr)
	e.cfg.ConnectTimeout.Duration = 500 * time.Millisecond
	e.cfg.ReadIdleTimeout.Duration = 10 * time.Second
	start := time.Now()
	r, err := e.run()
	if !errors.Is(err, ErrConnTimeout) || r.Reason != "timeout" {
		t.Fatalf("err %v reason %q", err, r.Reason)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("took %v", took)
	}
}

// trickle serves data chunk bytes at a time, one chunk per interval, until
// the client goes away.
func trickle(data []byte, chunk int, interval time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.WriteHeader(http.StatusOK)
		for i := 0; i < len(data); i += chunk {
			if _, err := w.Write(data[i:min(i+chunk, len(data))]); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-time.After(interval):
			case <-r.Context().Done():
				return
			}
		}
	}
}
