package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/sigtool/sigtool/sigdb"
)

type importOptions struct {
	feed        string
	skipInvalid bool
	force       bool
	json        bool
}

func newImportCommand(g *globalOptions) *cobra.Command {
	var o importOptions
	cmd := &cobra.Command{
		Use:   "import [flags] FILE|DIR...",
		Short: "Import ClamAV signature files and containers into the store",
		Long: `Import ClamAV signature files (.hdb .hsb .mdb .msb .ndb .ldb .fp .sfp .ign .ign2
and their PUA forms) and containers (.cvd .cld .cud) into the store.

Each container is a feed named after its database (daily.cvd -> daily); each
plain file is a feed named after the file; --feed puts everything into one feed.
Importing a feed replaces it whole. One import is one transaction: on any bad
line nothing is imported and every bad line is reported as FILE:LINE.

EXIT STATUS
  0  imported (or already identical)
  2  bad input or I/O error; the store is unchanged`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runImport(cmd.Context(), g, o, args, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.feed, "feed", "", "import everything into the feed `NAME`")
	f.BoolVar(&o.skipInvalid, "skip-invalid", false, "import the good lines, report and skip the bad ones")
	f.BoolVar(&o.force, "force", false, "allow replacing a feed with an older version")
	f.BoolVar(&o.json, "json", false, "print the report as JSON")
	return cmd
}

func runImport(ctx context.Context, g *globalOptions, o importOptions, args []string, stdout, stderr io.Writer) error {
	feeds, notes, err := sigdb.LoadSources(args, o.feed)
	if err != nil {
		return err
	}
	for _, n := range notes {
		fmt.Fprintln(stderr, "note:", n)
	}
	db, err := g.openDB(false)
	if err != nil {
		return err
	}
	defer db.Close()

	opt := sigdb.ImportOptions{SkipInvalid: o.skipInvalid, AllowDowngrade: o.force}
	if bar := importProgress(feeds, stderr); bar != nil {
		opt.Progress = func(n int64) { _ = bar.Add64(n) }
		defer bar.Finish()
	}
	rep, err := db.Import(ctx, feeds, opt)
	if err != nil {
		return err
	}
	if o.json {
		return writeJSON(stdout, rep)
	}
	for _, f := range rep.Feeds {
		state := "imported"
		switch {
		case f.Unchanged:
			state = "unchanged"
		case f.Replaced:
			state = fmt.Sprintf("replaced (was version %d)", f.PreviousVersion)
		}
		fmt.Fprintf(stdout, "%s: version %d, %d signatures (%s), %s\n", f.Name, f.Version, f.Signatures, formatByType(f.ByType), state)
		if len(f.NotEvaluated) > 0 {
			fmt.Fprintf(stdout, "%s: kept, not evaluated: %s\n", f.Name, strings.Join(f.NotEvaluated, " "))
		}
		for reason, n := range f.Skipped {
			fmt.Fprintf(stderr, "%s: skipped %d invalid lines: %s\n", f.Name, n, reason)
		}
		for i, le := range f.SkippedLines {
			if i == 10 {
				fmt.Fprintf(stderr, "... %d more\n", len(f.SkippedLines)-10)
				break
			}
			fmt.Fprintf(stderr, "skipped %v\n", le)
		}
		for _, d := range f.Duplicates {
			fmt.Fprintf(stderr, "warning: %s: signature name %s repeated on lines %v\n", d.File, d.Name, d.Lines)
		}
	}
	return nil
}

// importProgress returns a progress bar on a terminal for large inputs.
func importProgress(feeds []sigdb.FeedImport, stderr io.Writer) *progressbar.ProgressBar {
	var total int64
	for _, f := range feeds {
		for _, file := range f.Files {
			total += int64(len(file.Data))
		}
	}
	tty, ok := stderr.(*os.File)
	if !ok || !term.IsTerminal(int(tty.Fd())) || total < 16<<20 {
		return nil
	}
	return progressbar.DefaultBytes(total, "importing")
}

func formatByType(m map[string]int) string {
	return strings.Join(byType(m), ", ")
}

// byType lists the counts by signature type ("hdb 2"), sorted by type;
// types with no signature (an empty file in a container) are left out.
func byType(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k, n := range m {
		if n > 0 {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	if len(parts) == 0 {
		return []string{"none"}
	}
	return parts
}
