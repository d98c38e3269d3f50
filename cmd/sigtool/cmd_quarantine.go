package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/sigtool/sigtool/internal/duration"
	"github.com/sigtool/sigtool/quarantine"
)

// minPurgeAge guards purge against a typo: "30m" is thirty minutes.
const minPurgeAge = time.Hour

func newQuarantineCommand(g *globalOptions) *cobra.Command {
	var qpath string
	open := func(stderr io.Writer) (*quarantine.Store, error) {
		p, err := g.quarantinePath(qpath, stderr)
		if err != nil {
			return nil, err
		}
		return quarantine.Open(p)
	}
	cmd := &cobra.Command{
		Use:   "quarantine",
		Short: "List, show, release, delete and purge what mailscan removed from mail",
		Long: `Work with the quarantine of what mailscan and the daemon removed from mail.
The quarantine is --quarantine, else the store's own beside it, named after it
(sigtool.db: sigtool.quarantine.db; the daemon's [mail] quarantine for its
store). A quarantine.db beside the store, from versions that kept one per
folder, is used when the store has none of its own, with a note.

An ID is the SHA-256 of the removed bytes, as the banner in the mail gives
it; any unique prefix of at least 4 hex digits will do, as in git. A prefix
that several items share is refused with the list of them.

These commands work while sigupdated runs; each waits at most 2 s for the
daemon's transaction.`,
	}
	cmd.PersistentFlags().StringVar(&qpath, "quarantine", "", "quarantine `PATH` (default: the store's, beside it: NAME.quarantine.db)")
	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List quarantined files: ID, size, last quarantined, reason, signature, file name",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q, err := open(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer q.Close()
			items, err := q.List()
			if err != nil {
				return err
			}
			if asJSON {
				if items == nil {
					items = []quarantine.Item{}
				}
				return writeJSON(cmd.OutOrStdout(), items)
			}
			for _, it := range items {
				last := it.Records[len(it.Records)-1]
				fmt.Fprintf(cmd.OutOrStdout(), "%s\t%d bytes\t%s\t%s\t%s\t%q\n", it.ID, it.Size,
					it.Last().Local().Format(time.DateTime), last.Reason, last.Signature, last.Filename)
			}
			return nil
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show the records of one quarantined file (JSON)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			q, err := open(cmd.ErrOrStderr())
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
		Short: "Write a quarantined file out (temp file + rename); it stays in the quarantine",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return errors.New("release needs --out FILE")
			}
			q, err := open(cmd.ErrOrStderr())
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
	del := &cobra.Command{
		Use:   "delete ID...",
		Short: "Delete quarantined files for good",
		Long: `Delete the quarantined files the IDs (or unique prefixes) name, with their
records, in one transaction: when one ID is unknown or ambiguous nothing is
deleted. Each deleted ID is printed.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			q, err := open(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer q.Close()
			ids, err := q.Delete(args...)
			if err != nil {
				return fmt.Errorf("%w (nothing deleted)", err)
			}
			for _, id := range ids {
				fmt.Fprintf(cmd.OutOrStdout(), "deleted %s\n", id)
			}
			return nil
		},
	}
	var olderThan string
	var dryRun bool
	purge := &cobra.Command{
		Use:   "purge --older-than AGE",
		Short: "Delete what was last quarantined longer ago than AGE (30d, 2w, 12h)",
		Long: `Delete every quarantined file last quarantined longer ago than AGE: a number
of days (30d) or weeks (2w), or a duration (12h, 90m) of at least an hour. A
file quarantined again since stays. Each one deleted is printed, then a
total. sigupdated does this on its own with [mail] quarantine_retention.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if olderThan == "" {
				return errors.New("purge needs --older-than AGE (e.g. 30d)")
			}
			age, err := duration.Parse(olderThan)
			if err != nil {
				return fmt.Errorf("--older-than: %w", err)
			}
			if age < minPurgeAge {
				return fmt.Errorf("--older-than %s is less than an hour (did you mean days, %sd?); delete single files with quarantine delete", olderThan, trimUnit(olderThan))
			}
			q, err := open(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer q.Close()
			before := time.Now().Add(-age)
			items, err := q.Purge(before, dryRun)
			if err != nil {
				return err
			}
			var size int64
			verb := "purged"
			if dryRun {
				verb = "would purge"
			}
			for _, it := range items {
				size += it.Size
				fmt.Fprintf(cmd.OutOrStdout(), "%s %s\n", verb, it.Summary())
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %d files, %d bytes, last quarantined before %s\n", verb, len(items), size, before.Local().Format(time.DateTime))
			return nil
		},
	}
	purge.Flags().StringVar(&olderThan, "older-than", "", "`AGE`: 30d, 2w, 12h, ...")
	purge.Flags().BoolVar(&dryRun, "dry-run", false, "list what would be purged, delete nothing")
	cmd.AddCommand(list, show, release, del, purge)
	return cmd
}

// trimUnit is s without its trailing letters ("30m" -> "30").
func trimUnit(s string) string {
	i := len(s)
	for i > 0 && (s[i-1] < '0' || s[i-1] > '9') {
		i--
	}
	return s[:i]
}
