package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/spf13/cobra"

	"github.com/sigtool/sigtool/daemonconfig"
	"github.com/sigtool/sigtool/engine"
	"github.com/sigtool/sigtool/mailscan"
	"github.com/sigtool/sigtool/quarantine"
	"github.com/sigtool/sigtool/scan"
)

type mailscanOptions struct {
	policy     string
	quarantine string
	out        string   // write delivered messages into this directory
	json       bool     // one JSON object per message instead of a text line
	recipients []string // envelope recipients (--rcpt); else the header's
	direction  string   // "inbound" (default) or "outbound"
	daemon     string   // stdin mode: the sigupdated scan service to use (mailscan_daemon.go)
	sendmail   string   // stdin mode: hand the result to this sendmail (mailscan_reinject.go)
	from       string   // stdin mode with sendmail: the envelope sender
	onDelete   string   // stdin mode: discard or bounce a deleted message
}

// envelope is what the command line says about each message's envelope.
func (o mailscanOptions) envelope(id string) mailscan.Envelope {
	return mailscan.Envelope{Recipients: o.recipients, Direction: o.direction, ID: id}
}

func init() {
	extraCommands = append(extraCommands, newMailscanCommand, newQuarantineCommand)
}

func newMailscanCommand(g *globalOptions) *cobra.Command {
	var o mailscanOptions
	cmd := &cobra.Command{
		Use:   "mailscan [flags] MAIL...",
		Short: "Apply the gateway virus policy to mail files, mailboxes, Maildirs or stdin",
		Long: `Apply the gateway virus policy to each message. MAIL is an RFC 5322 file, an
mbox file (every message in it), a Maildir (cur/ and new/), or - for stdin to
stdout (an MTA pipe filter). A directory that is not a Maildir is read as a
directory of message files (hidden files skipped).

With --out DIR the delivered message, unchanged or rewritten, is written to
DIR/<name> through a temporary file and a rename (the Nth message of an mbox
to DIR/<mbox>.N, with its "From " line); a deleted message writes nothing. A
clean message is delivered byte for byte below the X-Virus-Scanned and
X-Virus-Status fields every scanned message gets (the policy's [headers]). Infected attachments are
removed into the quarantine (--quarantine, default the store's own beside it,
sigtool.db: sigtool.quarantine.db) and replaced by a note; archives with infected members are cleaned;
message/partial mail, too many attachments and similar policy cases delete the
message. The policy file (TOML or YAML) changes any rule; see mailscan's
package documentation for the keys.

Verdicts go to stdout, one line per message ("PATH: ACTION: what"), or one
JSON object per line with --json.

- (stdin) is the MTA pipe filter. The whole output is built before anything
is written; the verdict goes to stderr. It exits with sysexits(3) codes:
  0 (EX_OK)           delivered unchanged or rewritten: the message is on
                      stdout, or handed to --sendmail
  0 (EX_OK)           deleted by the policy (message/partial, too many
                      attachments): NOTHING on stdout, nothing handed on; the
                      original is in the quarantine. --on-delete=bounce makes
                      it 69 (EX_UNAVAILABLE): the MTA returns it to the sender
  75 (EX_TEMPFAIL)    not handled (a scan, daemon, quarantine or usage
                      error): nothing written; the MTA keeps the message and
                      retries, and its queue lifetime ends the retries with a
                      bounce, never a loss
  sendmail's status   with --sendmail, when sendmail fails (75 if it was not
                      a sysexits code)
With --sendmail PATH --from SENDER --rcpt RCPT... the result is delivered
with "PATH -G -i -f SENDER -- RCPT...", as Postfix's content_filter through
pipe(8) needs (contrib/postfix).

EXIT STATUS (files, mailboxes, Maildirs)
  0   every message delivered unchanged
  1   some action taken (rewritten, deleted, or flagged as unscannable)
  2   some message could not be handled; its original is kept`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMailscan(cmd.Context(), g, o, args, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.policy, "policy", "", "policy `FILE` (TOML or YAML)")
	f.StringVar(&o.quarantine, "quarantine", "", "quarantine `PATH` (default: the store's, beside it: NAME.quarantine.db)")
	f.StringVar(&o.out, "out", "", "write delivered messages into `DIR`")
	f.BoolVar(&o.json, "json", false, "one JSON object per message per line")
	f.StringArrayVar(&o.recipients, "rcpt", nil, "envelope recipient `ADDR` (repeatable); default: the message's headers")
	f.StringVar(&o.direction, "direction", "inbound", "inbound or outbound (outbound mail is not scanned)")
	f.StringVar(&o.sendmail, "sendmail", "", "stdin mode: deliver the result with `PATH` -G -i -f FROM -- RCPT... (Postfix's content_filter through pipe)")
	f.StringVar(&o.from, "from", "", "stdin mode with --sendmail: the envelope `SENDER` (empty: the null sender)")
	f.StringVar(&o.onDelete, "on-delete", "discard", "stdin mode: a message the policy deletes is discarded (exit 0) or bounced (exit 69, EX_UNAVAILABLE)")
	f.StringVar(&o.daemon, "daemon", "", "stdin mode: apply the policy of the sigupdated at `ADDR` (unix:/path or host:port; \"none\" compiles here); default $SIGTOOL_DAEMON, else the [scan] socket of "+daemonconfig.DefaultPath)
	return cmd
}

func runMailscan(ctx context.Context, g *globalOptions, o mailscanOptions, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if slices.Contains(args, "-") {
		return runFilter(ctx, g, o, args, stdin, stdout, stderr)
	}
	if o.sendmail != "" || o.onDelete != "discard" {
		return fmt.Errorf("--sendmail and --on-delete are for the pipe filter (mailscan -)")
	}
	s, closeAll, err := newMailScanner(ctx, g, o, stderr)
	if err != nil {
		return err
	}
	defer closeAll()
	return mailExit(scanMail(ctx, s, o, args, stdin, stdout, stderr))
}

// runFilter is `mailscan -`. Every failure, even a usage error in the
// MTA's configuration, is EX_TEMPFAIL with nothing written: the MTA keeps
// the message until someone fixes it, and never loses it.
func runFilter(ctx context.Context, g *globalOptions, o mailscanOptions, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	switch {
	case len(args) != 1 || o.out != "":
		return tempFail(errors.New("- (stdin) must be the only input and excludes --out"))
	case o.onDelete != "discard" && o.onDelete != "bounce":
		return tempFail(fmt.Errorf("--on-delete %q: want discard or bounce", o.onDelete))
	case o.sendmail != "" && len(o.recipients) == 0:
		return tempFail(errors.New("--sendmail needs the envelope recipients (--rcpt=${recipient} in master.cf)"))
	}
	c, err := mailDaemon(g, o.daemon)
	if err != nil {
		return tempFail(err)
	}
	if c != nil {
		return filterStdin(ctx, daemonProcess(c), o, stdin, stdout, stderr)
	}
	s, closeAll, err := newMailScanner(ctx, g, o, stderr)
	if err != nil {
		return tempFail(err)
	}
	defer closeAll()
	return filterStdin(ctx, s.Process, o, stdin, stdout, stderr)
}

// mailExit gives a mailscan run's exit status over files (see the
// command's help).
func mailExit(st mailStatus) error {
	switch st {
	case mailClean:
		return nil
	case mailActed:
		return errFound
	}
	return &exitCodeError{code: exitError}
}

// newMailScanner compiles the store and opens the quarantine.
func newMailScanner(ctx context.Context, g *globalOptions, o mailscanOptions, stderr io.Writer) (*mailscan.Scanner, func(), error) {
	policy := mailscan.DefaultPolicy()
	if o.policy != "" {
		p, err := mailscan.LoadPolicy(o.policy)
		if err != nil {
			return nil, nil, err
		}
		policy = p
	}
	db, err := g.openDB(true)
	if err != nil {
		return nil, nil, err
	}
	sopt := scan.DefaultOptions()
	sopt.Expand = scan.ExpandMail
	snap, err := engine.CompileWith(ctx, db, engine.Options{Scan: &sopt})
	db.Close()
	if err != nil {
		return nil, nil, err
	}
	qpath, err := g.quarantinePath(o.quarantine, stderr)
	if err != nil {
		return nil, nil, err
	}
	// Shared: pipe filters run side by side (one per message), and
	// `sigtool quarantine` may look at it meanwhile.
	q, err := quarantine.OpenShared(qpath)
	if err != nil {
		return nil, nil, err
	}
	return mailscan.NewScanner(snap.Scan, policy, q).WithVersions(snap.Versions), func() { q.Close() }, nil
}
