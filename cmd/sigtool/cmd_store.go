package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/sigtool/sigtool/sigdb"
)

func newVerifyCommand(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "verify",
		Short: "Check the store: structure, checksums, every signature, per-feed digests",
		Long: `Check the whole store: bbolt's page structure, the checksum of every record,
every file's size and SHA-256, that every signature line still parses to the
counts recorded at import, and each feed's content digest. Every problem is
printed, then a verdict.

EXIT STATUS
  0  the store is intact
  2  problems were found, or the store cannot be opened`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runVerify(cmd.Context(), g, cmd.OutOrStdout())
		},
	}
}

func runVerify(ctx context.Context, g *globalOptions, w io.Writer) error {
	db, err := g.openDB(true)
	if err != nil {
		return err
	}
	defer db.Close()
	sum, err := db.Verify(ctx, func(p sigdb.Problem) { fmt.Fprintln(w, "problem:", p) })
	if err != nil {
		return fmt.Errorf("verify %s: %w", db.Path(), err)
	}
	fmt.Fprintf(w, "%s: intact: %d feeds, %d files, %d signatures\n", db.Path(), sum.Feeds, sum.Files, sum.Signatures)
	return nil
}

func newInfoCommand(g *globalOptions) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "info",
		Short: "Show the feeds in the store: versions, counts by type, import times",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runInfo(g, asJSON, cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// infoReport is the JSON contract of `sigtool info --json`.
type infoReport struct {
	Feeds      []sigdb.FeedInfo `json:"feeds"`
	Signatures int              `json:"signatures"`
}

func runInfo(g *globalOptions, asJSON bool, w io.Writer) error {
	db, err := g.openDB(true)
	if err != nil {
		return err
	}
	defer db.Close()
	feeds, err := db.Feeds()
	if err != nil {
		return err
	}
	rep := infoReport{Feeds: feeds}
	if rep.Feeds == nil {
		rep.Feeds = []sigdb.FeedInfo{}
	}
	for _, f := range feeds {
		rep.Signatures += f.Signatures
	}
	if asJSON {
		return writeJSON(w, rep)
	}
	// The table fits 100 columns: BY TYPE takes what the other columns
	// leave and wraps onto lines of its own.
	nameW := len("FEED")
	for _, f := range feeds {
		nameW = max(nameW, len(f.Name))
	}
	const others = len("VERSION  SIGNATURES  ") + len("  2006-01-02 15:04  NOT EVALUATED")
	width := min(max(100-nameW-2-others, 16), 40)
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "FEED\tVERSION\tSIGNATURES\tBY TYPE\tIMPORTED\tNOT EVALUATED")
	for _, f := range feeds {
		lines := wrapList(byType(f.ByType), width)
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%d files\n", f.Name, f.Version, f.Signatures,
			lines[0], f.Imported.Local().Format("2006-01-02 15:04"), len(f.NotEvaluated))
		for _, l := range lines[1:] {
			fmt.Fprintf(tw, "\t\t\t%s\t\t\n", l)
		}
	}
	fmt.Fprintf(tw, "total\t\t%d\t\t\t\n", rep.Signatures)
	return tw.Flush()
}

// wrapList joins items with ", " into lines of at most width bytes (an
// item longer than width gets a line of its own); a line that goes on
// ends with ",".
func wrapList(items []string, width int) []string {
	var lines []string
	cur := ""
	for i, it := range items {
		sep := ""
		if i < len(items)-1 {
			sep = ","
		}
		switch {
		case cur == "":
			cur = it + sep
		case len(cur)+1+len(it)+len(sep) <= width:
			cur += " " + it + sep
		default:
			lines = append(lines, cur)
			cur = it + sep
		}
	}
	return append(lines, cur)
}

func newExportCommand(g *globalOptions) *cobra.Command {
	var feed string
	cmd := &cobra.Command{
		Use:   "export [--feed NAME] DIR",
		Short: "Write feeds' files back out byte for byte",
		Long: `Write the stored files back out, byte for byte. With --feed the feed's files go
into DIR; without, each feed gets DIR/<feed>/. Files are written to a temporary
name and renamed into place.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := g.openDB(true)
			if err != nil {
				return err
			}
			defer db.Close()
			files, err := db.Export(cmd.Context(), feed, args[0])
			for _, f := range files {
				fmt.Fprintf(cmd.OutOrStdout(), "%s\t%d bytes\n", f.Path, f.Size)
			}
			return err
		},
	}
	cmd.Flags().StringVar(&feed, "feed", "", "export only the feed `NAME`")
	return cmd
}
