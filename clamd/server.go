package clamd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sigtool/sigtool/daemonconfig"
	"github.com/sigtool/sigtool/engine"
)

// Engine gives the snapshot serving now (nil before the first load);
// *engine.Live is one.
type Engine interface {
	Current() *engine.Snapshot
}

// Options are what the server needs besides its [scan] configuration.
type Options struct {
	Engine Engine
	// Version is the program's, for VERSION ("sigtool <Version>/...").
	Version string
	// Reload asks the daemon to reload the matcher from the store (RELOAD);
	// Stale reports whether the store holds something the serving
	// snapshot lacks (SELFCHECK). Either may be nil.
	Reload func()
	Stale  func() bool
	// Shutdown stops the daemon (SHUTDOWN, QUIT); nil ignores them.
	Shutdown func()
	// TempDir holds INSTREAM data too large to keep in memory.
	TempDir string
	// Slots are the daemon's scan slots, shared with its other front
	// ends; nil makes max_threads of the server's own.
	Slots  *engine.Slots
	Logger *slog.Logger
}

// Server serves clamd's protocol on any number of listeners.
type Server struct {
	cfg  *daemonconfig.Scan
	opt  Options
	log  *slog.Logger
	sem  *engine.Slots // scan slots: max_threads, or the daemon's max_scans
	conn chan struct{} // connection slots: max_queue

	mu      sync.Mutex
	active  map[*session]struct{}
	started time.Time
	stats   counters
	wg      sync.WaitGroup
}

// counters are the STATS and metrics numbers.
type counters struct {
	connections, commands, scans, found, errors atomic.Int64
	cached                                      atomic.Int64 // scans answered from the clean cache
}

// New returns a server for cfg.
func New(cfg *daemonconfig.Scan, opt Options) *Server {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Slots == nil {
		opt.Slots = engine.NewSlots(cfg.MaxThreads)
	}
	return &Server{
		cfg: cfg, opt: opt, log: opt.Logger,
		sem:     opt.Slots,
		conn:    make(chan struct{}, cfg.MaxQueue),
		active:  map[*session]struct{}{},
		started: time.Now(),
	}
}

// Listen opens the configured listeners: the Unix socket (a stale socket
// file nobody answers on is replaced; a live one is an error) with its
// mode and group, and the TCP address.
func (s *Server) Listen() ([]net.Listener, error) {
	var lns []net.Listener
	fail := func(err error) ([]net.Listener, error) {
		for _, l := range lns {
			l.Close()
		}
		return nil, err
	}
	if p := s.cfg.UnixSocket; p != "" {
		if c, err := net.DialTimeout("unix", p, time.Second); err == nil {
			c.Close()
			return fail(fmt.Errorf("clamd: %s: another daemon is listening there (stop it or choose another unix_socket)", p))
		}
		if fi, err := os.Lstat(p); err == nil && fi.Mode()&os.ModeSocket != 0 {
			os.Remove(p)
		}
		ln, err := net.Listen("unix", p)
		if err != nil {
			return fail(fmt.Errorf("clamd: listen on %s: %w", p, err))
		}
		ln.(*net.UnixListener).SetUnlinkOnClose(true)
		lns = append(lns, ln)
		mode, _ := s.cfg.Mode()
		if err := os.Chmod(p, os.FileMode(mode)); err != nil {
			return fail(fmt.Errorf("clamd: socket_mode: %w", err))
		}
		if gid, _ := s.cfg.GroupID(); gid >= 0 {
			if err := os.Chown(p, -1, gid); err != nil {
				return fail(fmt.Errorf("clamd: socket_group: %w", err))
			}
		}
	}
	if a := s.cfg.TCP; a != "" {
		ln, err := net.Listen("tcp", a)
		if err != nil {
			return fail(fmt.Errorf("clamd: listen on %s: %w", a, err))
		}
		lns = append(lns, ln)
	}
	return lns, nil
}

// Serve accepts connections on ln until ctx ends or ln fails. At most
// max_queue connections are served at once (over all listeners); the
// next waits in the kernel's backlog until one ends.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	for {
		select {
		case s.conn <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
		c, err := ln.Accept()
		if err != nil {
			<-s.conn
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			// EMFILE and friends: wait, do not spin.
			s.log.Warn("accept failed", "err", err)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		s.stats.connections.Add(1)
		s.wg.Add(1)
		go func() {
			defer func() { <-s.conn; s.wg.Done() }()
			s.handle(ctx, c)
		}()
	}
}

// Wait waits for the connections in flight, after every Serve returned.
func (s *Server) Wait() { s.wg.Wait() }

func (s *Server) snapshot() *engine.Snapshot { return s.opt.Engine.Current() }

// scanSlot takes one scan slot.
func (s *Server) scanSlot(ctx context.Context) (release func(), err error) {
	return s.sem.Acquire(ctx)
}
