package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/sigtool/sigtool/clamd"
	"github.com/sigtool/sigtool/mailscan"
)

// mailDaemonTimeout bounds one message's round trip to the daemon; an MTA
// retries a message that takes longer (exit 75).
const mailDaemonTimeout = 5 * time.Minute

// mailDaemon is the scan service `mailscan -` hands messages to, instead
// of compiling the store for each message: --daemon, else
// $SIGTOOL_DAEMON, else the [scan] socket of sigupdated's default
// configuration (systemConfig) when that file exists; nil when none is
// configured or the flag says "none". A configured daemon that cannot be
// reached, or a configuration that cannot be read, is a temporary
// failure, never a silent fallback.
func mailDaemon(g *globalOptions, flag string) (*clamd.Client, error) {
	addr := flag
	if addr == "" {
		addr = os.Getenv("SIGTOOL_DAEMON")
	}
	if addr == "none" {
		return nil, nil
	}
	if addr == "" {
		cfg, err := g.system()
		switch {
		case err != nil:
			return nil, fmt.Errorf("finding the daemon: %w (or give --daemon none)", err)
		case cfg == nil || cfg.Scan == nil:
			return nil, nil
		case cfg.Scan.UnixSocket != "":
			addr = cfg.Scan.UnixSocket
		default:
			addr = cfg.Scan.TCP
		}
	}
	c, err := clamd.NewClient(addr)
	if err != nil {
		return nil, err
	}
	c.Timeout = mailDaemonTimeout
	return c, nil
}

// daemonProcess is a processFunc that asks the daemon (MAILSCAN).
func daemonProcess(c *clamd.Client) processFunc {
	return func(ctx context.Context, msg []byte, env mailscan.Envelope) (*mailscan.Outcome, error) {
		rep, body, err := c.MailScan(ctx, msg, env)
		if err != nil {
			err = fmt.Errorf("sigupdated at %s: %w", c, err)
			return &mailscan.Outcome{Action: mailscan.Error, Message: msg, Reasons: []string{err.Error()}}, err
		}
		out := &mailscan.Outcome{Action: rep.Action, Message: body, Findings: rep.Findings, Reasons: rep.Reasons}
		if rep.Action == mailscan.Error {
			out.Message = msg
			return out, fmt.Errorf("sigupdated at %s: %s", c, rep.Error)
		}
		return out, nil
	}
}
