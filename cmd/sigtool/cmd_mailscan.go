package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

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
DIR/<name> through a temporary file and a rename; a deleted message writes
nothing. A clean message is delivered byte for byte. Infected attachments are
removed into the quarantine (--quarantine, default quarantine.db beside the
store) and replaced by a note; archives with infected members are cleaned;
message/partial mail, too many attachments and similar policy cases delete the
message. The policy file (TOML or YAML) changes any rule; see mailscan's
package documentation for the keys.

Verdicts go to stdout, one line per message ("PATH: ACTION: what"), or one
JSON object per line with --json. In stdin mode the whole output is built
before anything is written: the message goes to stdout and the verdict to
stderr. A deleted message writes NOTHING to stdout and exits 1, so a filter
script must treat "exit 1 with empty output" as "discard". Any error writes
nothing to stdout and exits 75 (EX_TEMPFAIL): the MTA keeps the message and
retries, and its queue lifetime ends the retries with a bounce, never a loss.

EXIT STATUS
  0   every message delivered unchanged
  1   some action taken (rewritten, deleted, or flagged as unscannable)
  2   some message could not be handled; its original is kept
  75  stdin mode: the message was not handled, nothing was written: retry`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMailscan(cmd.Context(), g, o, args, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.policy, "policy", "", "policy `FILE` (TOML or YAML)")
	f.StringVar(&o.quarantine, "quarantine", "", "quarantine `PATH` (default: quarantine.db beside the store)")
	f.StringVar(&o.out, "out", "", "write delivered messages into `DIR`")
	f.BoolVar(&o.json, "json", false, "one JSON object per message per line")
	f.StringArrayVar(&o.recipients, "rcpt", nil, "envelope recipient `ADDR` (repeatable); default: the message's headers")
	f.StringVar(&o.direction, "direction", "inbound", "inbound or outbound (outbound mail is not scanned)")
	f.StringVar(&o.daemon, "daemon", "", "stdin mode: apply the policy of the sigupdated at `ADDR` (unix:/path or host:port; \"none\" compiles here); default $SIGTOOL_DAEMON, else the [scan] socket of "+daemonconfig.DefaultPath)
	return cmd
}

func runMailscan(ctx context.Context, g *globalOptions, o mailscanOptions, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 1 && args[0] == "-" {
		c, err := mailDaemon(o.daemon)
		if err != nil {
			return &exitCodeError{code: exitTempFail, err: err}
		}
		if c != nil {
			return mailExit(filterStdin(ctx, daemonProcess(c), o, stdin, stdout, stderr))
		}
	}
	s, closeAll, err := newMailScanner(ctx, g, o)
	if err != nil {
		if len(args) == 1 && args[0] == "-" {
			// The MTA must keep the message and retry: say nothing on stdout.
			return &exitCodeError{code: exitTempFail, err: err}
		}
		return err
	}
	defer closeAll()
	return mailExit(scanMail(ctx, s, o, args, stdin, stdout, stderr))
}

// mailExit gives a mailscan run's exit status (see the command's help).
func mailExit(st mailStatus) error {
	switch st {
	case mailClean:
		return nil
	case mailActed:
		return errFound
	case mailRetry:
		return &exitCodeError{code: exitTempFail}
	}
	return &exitCodeError{code: exitError}
}

// newMailScanner compiles the store and opens the quarantine.
func newMailScanner(ctx context.Context, g *globalOptions, o mailscanOptions) (*mailscan.Scanner, func(), error) {
	policy := mailscan.DefaultPolicy()
	if o.policy != "" {
		p, err := mailscan.LoadPolicy(o.policy)
		if err != nil {
			return nil, nil, err
		}
		policy = p
	}
	dbPath, err := g.dbPath()
	if err != nil {
		return nil, nil, err
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
	qpath := o.quarantine
	if qpath == "" {
		qpath = filepath.Join(filepath.Dir(dbPath), quarantine.DefaultFile)
	}
	q, err := quarantine.Open(qpath)
	if err != nil {
		return nil, nil, err
	}
	return mailscan.NewScanner(snap.Scan, policy, q), func() { q.Close() }, nil
}

func newQuarantineCommand(g *globalOptions) *cobra.Command {
	var qpath string
	open := func() (*quarantine.Store, error) {
		p := qpath
		if p == "" {
			dbPath, err := g.dbPath()
			if err != nil {
				return nil, err
			}
			p = filepath.Join(filepath.Dir(dbPath), quarantine.DefaultFile)
		}
		return quarantine.Open(p)
	}
	cmd := &cobra.Command{
		Use:   "quarantine",
		Short: "List, show and release what mailscan removed from mail",
	}
	cmd.PersistentFlags().StringVar(&qpath, "quarantine", "", "quarantine `PATH` (default: quarantine.db beside the store)")
	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List quarantined files",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q, err := open()
			if err != nil {
				return err
			}
			defer q.Close()
			items, err := q.List()
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), items)
			}
			for _, it := range items {
				last := it.Records[len(it.Records)-1]
				fmt.Fprintf(cmd.OutOrStdout(), "%s\t%d bytes\t%s\t%s\t%s\t%s\n", it.ID, it.Size,
					last.Time.Local().Format("2006-01-02 15:04:05"), last.Reason, last.Signature, last.Filename)
			}
			return nil
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show the records of one quarantined file",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			q, err := open()
			if err != nil {
				return err
			}
			defer q.Close()
			it, _, err := q.Get(args[0])
			if err != nil {
				return err
			}
			return writeJSON(cmd.OutOrStdout(), it)
		},
	}
	var out string
	release := &cobra.Command{
		Use:   "release ID --out FILE",
		Short: "Write a quarantined file out (temp file + rename)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return fmt.Errorf("release needs --out FILE")
			}
			q, err := open()
			if err != nil {
				return err
			}
			defer q.Close()
			if err := q.Release(args[0], out); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "released %s to %s\n", args[0], out)
			return nil
		},
	}
	release.Flags().StringVar(&out, "out", "", "write to `FILE`")
	cmd.AddCommand(list, show, release)
	return cmd
}
