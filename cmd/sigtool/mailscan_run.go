package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/sigtool/sigtool/mailscan"
)

// mailStatus is how a mailscan run ended; runMailscan turns it into the
// exit status.
type mailStatus int

const (
	mailClean  mailStatus = iota // every message delivered unchanged
	mailActed                    // some message rewritten or deleted
	mailFailed                   // some message not handled (its original kept), or bad usage
)

// maxStdin bounds a message read from stdin; MTAs limit messages far below.
const maxStdin = 1 << 30

// mailRun is one `sigtool mailscan` over files, mailboxes and Maildirs.
type mailRun struct {
	s              *mailscan.Scanner
	o              mailscanOptions
	out            *outDir // nil without --out
	stdout, stderr io.Writer
	status         mailStatus
}

// scanMail applies s to every message the arguments name (see the
// command's help for the kinds of input and what is written).
func scanMail(ctx context.Context, s *mailscan.Scanner, o mailscanOptions, args []string, stdin io.Reader, stdout, stderr io.Writer) mailStatus {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "mailscan: no input (give files, mailboxes, Maildirs or -)")
		return mailFailed
	}
	r := &mailRun{s: s, o: o, stdout: stdout, stderr: stderr}
	if o.out != "" {
		d, err := openOutDir(o.out)
		if err != nil {
			fmt.Fprintf(stderr, "mailscan: %v\n", err)
			return mailFailed
		}
		r.out = d
	}
	for _, arg := range args {
		files, err := expandMailArg(arg)
		if err != nil {
			r.fail(arg, err)
			continue
		}
		for _, f := range files {
			if err := ctx.Err(); err != nil {
				r.fail(f, err)
				return r.status
			}
			msgs, err := readMailFile(f)
			if err != nil {
				r.fail(f, err)
				continue
			}
			for _, m := range msgs {
				if err := ctx.Err(); err != nil {
					r.fail(m.path, err)
					return r.status
				}
				r.message(ctx, m)
			}
		}
	}
	return r.status
}

// processFunc applies the policy to one message: a local Scanner's
// Process, or the daemon's (mailscan_daemon.go).
type processFunc func(context.Context, []byte, mailscan.Envelope) (*mailscan.Outcome, error)

// filterStdin is the MTA pipe filter: the whole output is built before the
// first byte is written, so an error leaves stdout empty. It exits with
// sysexits codes (see the command's help): a message delivered unchanged
// or rewritten is EX_OK, a deleted one EX_OK with nothing written (or
// EX_UNAVAILABLE with --on-delete=bounce), anything not handled
// EX_TEMPFAIL. With --sendmail the result is handed to the MTA's
// sendmail instead of stdout, and sendmail's own status is passed on.
func filterStdin(ctx context.Context, process processFunc, o mailscanOptions, stdin io.Reader, stdout, stderr io.Writer) error {
	msg, err := io.ReadAll(io.LimitReader(stdin, maxStdin+1))
	if err == nil && len(msg) > maxStdin {
		err = fmt.Errorf("message larger than %d bytes", maxStdin)
	}
	if err != nil {
		return tempFail(fmt.Errorf("reading stdin: %w", err))
	}
	out, err := process(ctx, msg, o.envelope("-"))
	reportMail(stderr, o.json, "-", out)
	switch {
	case err != nil:
		return tempFail(err)
	case out.Action == mailscan.Delete && o.onDelete == "bounce":
		return &exitCodeError{code: exUnavailable, err: fmt.Errorf("message deleted by the gateway policy: %s", mailVerdictLine("-", out))}
	case out.Action == mailscan.Delete:
		return nil // discarded: the original is in the quarantine
	case o.sendmail != "":
		return reinject(ctx, o, out.Delivery(), stderr)
	}
	if _, err := stdout.Write(out.Delivery()); err != nil {
		return tempFail(fmt.Errorf("writing stdout: %w", err))
	}
	return nil
}

// tempFail is EX_TEMPFAIL: the MTA keeps the message and tries again.
func tempFail(err error) error {
	if !strings.HasPrefix(err.Error(), "mailscan: ") { // mailscan's own errors say so already
		err = fmt.Errorf("mailscan: %w", err)
	}
	return &exitCodeError{code: exitTempFail, err: err}
}

func (r *mailRun) fail(path string, err error) {
	fmt.Fprintf(r.stderr, "mailscan: %s: %s\n", path, errAbout(path, err))
	r.status = max(r.status, mailFailed)
}

func (r *mailRun) message(ctx context.Context, m mailInput) {
	out, err := r.s.Process(ctx, m.data, r.o.envelope(m.path))
	if r.out != nil && out.Action != mailscan.Delete {
		if werr := r.out.write(m.name, m.envelope, out.Delivery(), m.separator); werr != nil {
			// Nothing half-written is left under the name; the message
			// counts as not handled, and the error is told once, below.
			werr = fmt.Errorf("not written to --out: %w", werr)
			if err != nil {
				werr = fmt.Errorf("%w; %w", err, werr)
			}
			err = werr
			out = &mailscan.Outcome{Action: mailscan.Error, Message: m.data, Reasons: []string{"not written to --out"}}
		}
	}
	// With --out too: the messages go to files, the verdicts to stdout.
	if rerr := reportMail(r.stdout, r.o.json, m.path, out); rerr != nil {
		r.fail(m.path, fmt.Errorf("writing the verdict: %w", rerr))
	}
	switch {
	case err != nil:
		fmt.Fprintf(r.stderr, "mailscan: %s: kept unchanged: %s\n", m.path, errAbout(m.path, err))
		r.status = max(r.status, mailFailed)
	case out.Action != mailscan.Deliver:
		r.status = max(r.status, mailActed)
	}
}
