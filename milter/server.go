package milter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync/atomic"
	"time"

	gomilter "github.com/d--j/go-milter"
	"github.com/d--j/go-milter/mailfilter"

	"github.com/sigtool/sigtool/daemonconfig"
	"github.com/sigtool/sigtool/engine"
	"github.com/sigtool/sigtool/mailscan"
	"github.com/sigtool/sigtool/quarantine"
)

// Engine hands out the serving snapshot; engine.Live is one.
type Engine interface {
	Current() *engine.Snapshot
}

// Options are what the server needs besides its [milter] configuration.
type Options struct {
	Engine Engine
	// Quarantine keeps what a milter policy of its own removes; with the
	// [mail] policy the snapshot's scanner brings its own.
	Quarantine *quarantine.Store
	// Slots are the daemon's scan slots, shared with its other front
	// ends: a message waits for one (within scan_timeout); nil is no
	// bound.
	Slots  *engine.Slots
	Logger *slog.Logger
}

// Server is the milter service. Its policy may be replaced while it runs
// (SetPolicy); every other setting is fixed at New.
type Server struct {
	cfg    *daemonconfig.Milter
	opt    Options
	log    *slog.Logger
	policy atomic.Pointer[mailscan.Policy] // nil: the snapshot's [mail] policy
	filter *mailfilter.MailFilter
}

// New returns a server for cfg (validated by daemonconfig).
func New(cfg *daemonconfig.Milter, opt Options) *Server {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{cfg: cfg, opt: opt, log: log}
}

// SetPolicy makes the milter apply p to the next messages; nil returns
// to the [mail] policy of the serving snapshot.
func (s *Server) SetPolicy(p *mailscan.Policy) { s.policy.Store(p) }

// Start opens the socket and serves it until Shutdown. A unix socket left
// by a dead daemon is replaced; one another process still answers on is
// an error.
func (s *Server) Start() (net.Addr, error) {
	network, address, err := s.cfg.Network()
	if err != nil {
		return nil, err
	}
	if network == "unix" {
		if c, err := net.DialTimeout("unix", address, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("milter: %s: another daemon is listening there (stop it or choose another listen)", address)
		}
		if fi, err := os.Lstat(address); err == nil && fi.Mode()&os.ModeSocket != 0 {
			os.Remove(address)
		}
	}
	gomilter.LogWarning = func(format string, v ...any) { s.log.Warn("milter: " + fmt.Sprintf(format, v...)) }
	f, err := mailfilter.New(network, address, s.decide,
		// The decision needs the whole message; collect one byte over
		// the limits, so that a message over them is known to be (it is
		// never scanned in part).
		mailfilter.WithBody(256<<10, int64(s.cfg.MaxSize)+1, mailfilter.TruncateWhenTooBig),
		mailfilter.WithHeader(uint32(s.cfg.MaxHeaders)+1, mailfilter.TruncateWhenTooBig),
		// decide answers every failure itself (on_error); an error
		// escaping it is a bug, and a bug must not pass mail.
		mailfilter.WithErrorHandling(mailfilter.TempFailWhenError),
	)
	if err != nil {
		return nil, fmt.Errorf("milter: listen on %s: %w", s.cfg.Listen, err)
	}
	if network == "unix" {
		mode, _ := (&daemonconfig.Scan{SocketMode: s.cfg.SocketMode}).Mode()
		gid, _ := (&daemonconfig.Scan{SocketGroup: s.cfg.SocketGroup}).GroupID()
		err := os.Chmod(address, os.FileMode(mode))
		if err == nil && gid >= 0 {
			err = os.Chown(address, -1, gid)
		}
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("milter: socket_mode or socket_group: %w", err)
		}
	}
	s.filter = f
	return f.Addr(), nil
}

// Shutdown stops accepting and waits for the messages in flight until
// ctx ends; the MTA answers those still open with its
// milter_default_action.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.filter == nil {
		return nil
	}
	err := s.filter.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		s.filter.Close()
	}
	return err
}
