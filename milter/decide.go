package milter

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/d--j/go-milter/mailfilter"

	"github.com/sigtool/sigtool/daemonconfig"
	"github.com/sigtool/sigtool/mailscan"
)

// Why a message was not scanned: the reasons on_error and on_oversize
// answer, as logged and as the SMTP reply says.
var (
	errNoEngine = errors.New("no signatures loaded yet")
	errTimeout  = errors.New("scan timed out")
	errOversize = errors.New("message over the milter's size limit")
)

// decide is the verdict on one message, at its end of data: the whole
// policy, the answer to the MTA and the changes to the message.
func (s *Server) decide(ctx context.Context, trx mailfilter.Trx) (d mailfilter.Decision, err error) {
	start := time.Now()
	id := trx.QueueId()
	defer func() {
		if r := recover(); r != nil { // a bug must not pass mail
			s.log.Error("milter: panic", "queue_id", id, "panic", r)
			d, err = s.failed(trx, fmt.Errorf("internal error: %v", r), s.cfg.OnError)
		}
	}()
	m, err := readMessage(trx, int64(s.cfg.MaxSize), s.cfg.MaxHeaders)
	if err != nil {
		onError := s.cfg.OnError
		if errors.Is(err, errOversize) {
			onError = s.cfg.OnOversize
		}
		return s.failed(trx, err, onError)
	}
	snap := s.opt.Engine.Current()
	if snap == nil || snap.Mail == nil {
		return s.failed(trx, errNoEngine, s.cfg.OnError)
	}
	scanner := snap.Mail
	if p := s.policy.Load(); p != nil {
		scanner = mailscan.NewScanner(snap.Scan, *p, s.opt.Quarantine).WithVersions(snap.Versions)
	}
	env := mailscan.Envelope{ID: id, Direction: "inbound"}
	for _, r := range trx.RcptTos() {
		env.Recipients = append(env.Recipients, r.Addr)
	}
	if trx.MailFrom().AuthenticatedUser() != "" {
		env.Direction = "outbound" // SASL: one of our users sends
	}
	out, err := s.process(ctx, scanner, m.raw, env)
	if err != nil {
		return s.failed(trx, err, s.cfg.OnError)
	}
	s.log.Info("milter: message", "queue_id", id, "action", out.Action, "reasons", strings.Join(out.Reasons, ","),
		"findings", len(out.Findings), "size", len(m.raw), "took", time.Since(start).Round(time.Millisecond))
	switch out.Action {
	case mailscan.Delete:
		if s.cfg.OnDelete == daemonconfig.MilterReject {
			name := "policy"
			if len(out.Findings) > 0 {
				name = out.Findings[0].Signature
			}
			return mailfilter.CustomErrorResponse(550, "5.7.1 Message refused by the gateway's policy ("+name+")"), nil
		}
		return mailfilter.Discard, nil
	case mailscan.Deliver, mailscan.Rewrite, mailscan.Flag:
		// The policy's [headers] fields stamped in (the sender's fields of
		// those names dropped), as every front end delivers it.
		if err := m.apply(trx, out.Delivery()); err != nil {
			return s.failed(trx, err, s.cfg.OnError)
		}
		return mailfilter.Accept, nil
	}
	return s.failed(trx, fmt.Errorf("unexpected action %q", out.Action), s.cfg.OnError)
}

// process runs the policy in a scan slot, at most scan_timeout long
// (the wait for the slot included). On time-out it
// answers at once; the scan stops at its next look at ctx, and anything
// it quarantined meanwhile stays (the MTA's retry scans the message again).
func (s *Server) process(ctx context.Context, sc *mailscan.Scanner, msg []byte, env mailscan.Envelope) (*mailscan.Outcome, error) {
	if t := s.cfg.ScanTimeout.Duration; t > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t)
		defer cancel()
	}
	type result struct {
		out *mailscan.Outcome
		err error
	}
	release := func() {}
	if s.opt.Slots != nil {
		var err error
		if release, err = s.opt.Slots.Acquire(ctx); err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				return nil, errTimeout
			}
			return nil, err
		}
	}
	done := make(chan result, 1)
	go func() {
		defer release() // held until the scan stops, also after a time-out
		out, err := sc.Process(ctx, msg, env)
		done <- result{out, err}
	}()
	select {
	case r := <-done:
		if r.err == nil && r.out.Action == mailscan.Error {
			r.err = errors.New(strings.Join(r.out.Reasons, "; "))
		}
		if r.err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			r.err = errTimeout
		}
		return r.out, r.err
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, errTimeout
		}
		return nil, ctx.Err()
	}
}

// failed answers a message that was not fully scanned, as on says: the
// MTA keeps it (tempfail), the sender gets it back (reject), or it is
// delivered marked as unscanned (accept).
func (s *Server) failed(trx mailfilter.Trx, err error, on string) (mailfilter.Decision, error) {
	s.log.Warn("milter: message not scanned", "queue_id", trx.QueueId(), "answer", on, "err", err)
	oversize := errors.Is(err, errOversize)
	switch on {
	case daemonconfig.MilterAccept:
		if name := s.statusField(); name != "" {
			setTop(trx, mailscan.HeaderField{Name: name, Value: "Not scanned (" + short(err) + ")"})
		}
		return mailfilter.Accept, nil
	case daemonconfig.MilterReject:
		if oversize {
			return mailfilter.CustomErrorResponse(552, fmt.Sprintf("5.3.4 Message too big for the virus scanner (at most %d bytes)", s.cfg.MaxSize)), nil
		}
		return mailfilter.CustomErrorResponse(554, "5.7.0 Message could not be scanned for viruses"), nil
	}
	if oversize {
		return mailfilter.CustomErrorResponse(452, fmt.Sprintf("4.3.4 Message too big for the virus scanner now (at most %d bytes)", s.cfg.MaxSize)), nil
	}
	return mailfilter.CustomErrorResponse(451, "4.7.1 Virus scan failed ("+short(err)+"); try again later"), nil
}

// statusField is the policy's status field name, "" when it adds none.
func (s *Server) statusField() string {
	p := s.policy.Load()
	if p == nil {
		if snap := s.opt.Engine.Current(); snap != nil && snap.Mail != nil {
			pol := snap.Mail.Policy()
			p = &pol
		} else {
			pol := mailscan.DefaultPolicy()
			p = &pol
		}
	}
	if !p.Headers.Add {
		return ""
	}
	return p.Headers.Status
}

// short is what an SMTP reply or a header field says of err: the log has
// the whole error, the sender needs only its kind.
func short(err error) string {
	for _, known := range []error{errNoEngine, errTimeout, errOversize} {
		if errors.Is(err, known) {
			return known.Error()
		}
	}
	if errors.Is(err, mailscan.ErrQuarantine) {
		return "quarantine unavailable"
	}
	return "internal error"
}
