// Command sigtool imports ClamAV signature databases into a verifiable
// store, scans files and mail with them, and manages the gateway quarantine.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/sigtool/sigtool/daemonconfig"
	"github.com/sigtool/sigtool/internal/buildinfo"
	"github.com/sigtool/sigtool/internal/clidoc"
	"github.com/sigtool/sigtool/sigdb"
)

// Exit statuses, decided here and only here.
const (
	exitOK       = 0
	exitFound    = 1 // something found / some action taken
	exitError    = 2
	exitTempFail = 75 // EX_TEMPFAIL: the MTA keeps the message and retries
)

// errFound makes a command exit 1 without printing an error: scans that
// found something, mailscan that took an action.
var errFound = errors.New("found")

// exitCodeError carries an explicit exit status (mailscan's 75).
type exitCodeError struct {
	code int
	err  error
}

func (e *exitCodeError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}
func (e *exitCodeError) Unwrap() error { return e.err }

type globalOptions struct {
	db string
	// sigupdated's configuration, read once (location.go).
	sys     *daemonconfig.Config
	sysErr  error
	sysRead bool
}

// openDB opens the store read-only for commands that only read it.
func (g *globalOptions) openDB(readOnly bool) (*sigdb.DB, error) {
	p, err := g.dbPath()
	if err != nil {
		return nil, err
	}
	db, err := sigdb.Open(p, &sigdb.Options{ReadOnly: readOnly})
	if errors.Is(err, sigdb.ErrLocked) {
		// A store has one writer at a time, and the daemon keeps its own.
		err = fmt.Errorf("%w (a running sigupdated keeps its store open: stop it to use this store, or read the feed versions from its --listen /healthz)", err)
	}
	return db, err
}

func newRootCommand() *cobra.Command {
	g := &globalOptions{}
	root := &cobra.Command{
		Use:   "sigtool",
		Short: "ClamAV-compatible signature store, scanner and mail gateway policy",
		Long: `sigtool keeps ClamAV signature databases in one verifiable store, scans files
and mail with them, and applies a mail gateway's virus policy.

The store is --db, else $SIGTOOL_DB, else the db of sigupdated's
` + daemonconfig.DefaultPath + ` (the daemon's store on an installed
gateway), else ` + daemonconfig.SystemDB + ` when it is there to read
or its folder is yours to write, else $XDG_DATA_HOME/sigtool/sigtool.db
(~/.local/share/sigtool/sigtool.db). Its quarantine is beside it, named after
it (sigtool.db: sigtool.quarantine.db), or the daemon's [mail] quarantine.

EXIT STATUS
  0  success; nothing found
  1  something found (scan), some action taken (mailscan)
  2  error: bad input, damaged store, I/O failure
 75  mailscan in stdin mode could not handle the message: the MTA keeps it`,
		Version:       buildinfo.Version(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("sigtool {{.Version}}\n")
	root.PersistentFlags().StringVar(&g.db, "db", "", "signature store `path`")
	root.AddCommand(
		newImportCommand(g),
		newVerifyCommand(g),
		newInfoCommand(g),
		newExportCommand(g),
		newHashCommand(),
	)
	for _, add := range extraCommands {
		root.AddCommand(add(g))
	}
	root.AddCommand(clidoc.Command(root, buildinfo.Version()))
	return root
}

// extraCommands lets each feature file register its command.
var extraCommands []func(*globalOptions) *cobra.Command

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCommand().ExecuteContext(ctx)
	stop()
	os.Exit(exitCode(err))
}

func exitCode(err error) int {
	var ec *exitCodeError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errFound):
		return exitFound
	case errors.As(err, &ec):
		if ec.err != nil {
			fmt.Fprintln(os.Stderr, "sigtool:", ec.err)
		}
		return ec.code
	}
	fmt.Fprintln(os.Stderr, "sigtool:", err)
	return exitError
}
