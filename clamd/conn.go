package clamd

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"time"
)

// session is one connection.
type session struct {
	s       *Server
	c       net.Conn
	rd      *reader
	term    byte
	id      int // the current command's number inside IDSESSION, else 0
	inSess  bool
	current string // the command running, for STATS
	since   time.Time
}

func (s *Server) handle(ctx context.Context, c net.Conn) {
	ss := &session{s: s, c: c, rd: newReader(c), term: '\n'}
	s.mu.Lock()
	s.active[ss] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.active, ss)
		s.mu.Unlock()
		ss.rd.closeFDs()
		c.Close()
		ss.rd.release()
	}()
	// A stopping daemon cuts connections that wait for a client.
	stop := context.AfterFunc(ctx, func() { c.SetReadDeadline(time.Now()) })
	defer stop()
	ss.rd.timeout = s.cfg.CommandReadTimeout.Duration
	for ss.next(ctx) {
		// Inside a session every pause is bounded by read_timeout.
		ss.rd.timeout = s.cfg.ReadTimeout.Duration
	}
}

// send writes one reply; a client that does not read it within
// read_timeout loses the connection.
func (ss *session) send(b []byte) bool {
	_ = ss.c.SetWriteDeadline(time.Now().Add(ss.s.cfg.ReadTimeout.Duration))
	_, err := ss.c.Write(b)
	return err == nil
}

func (ss *session) reply() replier { return replier{term: ss.term, id: ss.id} }

// readFailed answers a read error as clamd does: a timeout gets "COMMAND
// READ TIMED OUT", anything else (EOF, reset) just ends the connection.
func (ss *session) readFailed(err error) {
	if errors.Is(err, errTimeout) {
		_ = ss.c.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = io.WriteString(ss.c, replyTimedOut)
	}
}

// next reads and runs one command; false ends the connection.
func (ss *session) next(ctx context.Context) bool {
	first, err := ss.rd.byte1()
	if err != nil {
		ss.readFailed(err)
		return false
	}
	var line []byte
	oldStyle := false
	switch first {
	case 'z', 'n':
		term := byte(0)
		if first == 'n' {
			term = '\n'
		}
		if line, err = ss.rd.readUntil(term); err != nil {
			ss.readFailed(err)
			return false
		}
		if term == '\n' {
			line = chomp(line)
		}
		ss.term = term
	default:
		if ss.inSess {
			// Answered with the session's number and terminator, as clamd.
			// clamd follows it with its generic error line.
			ss.id++
			ss.send(append(ss.reply().error("", errSessionOldStyle), ss.reply().error("", errProcessing)...))
			return false
		}
		ss.rd.r-- // the first byte is part of the command
		line, oldStyle, ss.term = chomp(ss.rd.packet()), true, '\n'
	}
	spec, arg := parseCommand(string(line), oldStyle)
	if ss.inSess {
		ss.id++
	}
	ss.s.stats.commands.Add(1)
	// A descriptor belongs to a FILDES; one that came with no FILDES
	// in sight is a protocol error, as in clamd.
	if len(ss.rd.fds) > 0 && spec.cmd != cmdFildes && !bytes.Contains(ss.rd.buffered(), []byte("FILDES")) {
		ss.send(ss.reply().error("", errStrayFD))
		return false
	}
	if ss.inSess && !spec.session {
		ss.send(ss.reply().error("", errSessionCommand))
		return false
	}
	if ss.s.cfg.Disabled(spec.name) {
		ss.send(ss.reply().single("", replyUnavailable))
		return ss.inSess
	}
	ss.setCurrent(spec.name)
	defer ss.setCurrent("")
	return ss.run(ctx, spec, arg)
}

// run executes one parsed command; false ends the connection.
func (ss *session) run(ctx context.Context, spec commandSpec, arg string) bool {
	r := ss.reply()
	switch spec.cmd {
	case cmdPing:
		ss.send(r.single("", replyPong))
	case cmdVersion:
		ss.send(r.line(ss.s.versionLine()))
	case cmdVersionCommands:
		ss.send(r.line(ss.s.versionLine() + "|" + commandList()))
	case cmdIDSession:
		ss.inSess = true
		return true
	case cmdEnd:
		if !ss.inSess {
			ss.send(r.single("", replyUnknown))
		}
		return false
	case cmdReload:
		ss.send(r.single("", replyReloading))
		if ss.s.opt.Reload != nil {
			ss.s.opt.Reload()
		}
		return false
	case cmdSelfCheck:
		if ss.s.opt.Stale != nil && ss.s.opt.Stale() {
			ss.send(r.single("", replyReloading))
			if ss.s.opt.Reload != nil {
				ss.s.opt.Reload()
			}
		} else {
			ss.send(r.single("", replyUpToDate))
		}
		return false
	case cmdShutdown, cmdQuit:
		if ss.s.opt.Shutdown != nil {
			ss.s.opt.Shutdown()
		}
		return false
	case cmdDetStats, cmdDetStatsClear:
		return false
	case cmdStats:
		ss.send(ss.s.statsReply(r))
	case cmdInstream:
		if !ss.instream(ctx) {
			return false
		}
	case cmdFildes:
		if !ss.fildes(ctx) {
			return false
		}
	case cmdScan, cmdContScan, cmdMultiScan, cmdAllMatchScan:
		ss.scanPath(ctx, spec.cmd, arg)
	case cmdMailScan:
		if !ss.mailscan(ctx, arg) {
			return false
		}
	default:
		ss.send(r.single("", replyUnknown))
		return false
	}
	return ss.inSess
}

// setCurrent records the command running, for STATS.
func (ss *session) setCurrent(name string) {
	ss.s.mu.Lock()
	ss.current, ss.since = name, time.Now()
	ss.s.mu.Unlock()
}

// chomp drops trailing CR and LF, as clamd's cli_chomp.
func chomp(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
