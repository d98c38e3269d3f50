// Package clidoc writes what a package install needs from a cobra command
// tree: one man page per command (section 1, from the commands' own help)
// and the shell completion scripts. Both sigtool and sigupdated add its
// generate command, so `make install` and the .deb take the pages from
// the binaries they ship rather than from hand-kept copies.
package clidoc

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// Options say what to write; an empty field writes nothing of that kind.
type Options struct {
	ManDir string // one page per command: NAME.1, NAME-SUB.1, ...
	Bash   string
	Zsh    string
	Fish   string
}

// Write generates the files o names for the tree under root. The man
// pages carry the date of $SOURCE_DATE_EPOCH when it is set (cobra's doc
// package reads it), so a package build is reproducible.
func Write(root *cobra.Command, version string, o Options) error {
	if o == (Options{}) {
		return fmt.Errorf("nothing to generate: give --man DIR or a --*-completion FILE")
	}
	root.DisableAutoGenTag = true
	if o.ManDir != "" {
		if err := os.MkdirAll(o.ManDir, 0o755); err != nil {
			return err
		}
		hdr := &doc.GenManHeader{
			Section: "1",
			Source:  root.Name() + " " + version,
			Manual:  "sigtool manual",
		}
		if err := doc.GenManTree(root, hdr, o.ManDir); err != nil {
			return fmt.Errorf("man pages into %s: %w", o.ManDir, err)
		}
	}
	for _, c := range []struct {
		path string
		gen  func(string) error
	}{
		{o.Bash, func(p string) error { return root.GenBashCompletionFileV2(p, true) }},
		{o.Zsh, root.GenZshCompletionFile},
		{o.Fish, func(p string) error { return root.GenFishCompletionFile(p, true) }},
	} {
		if c.path == "" {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(c.path), 0o755); err != nil {
			return err
		}
		if err := c.gen(c.path); err != nil {
			return fmt.Errorf("completion %s: %w", c.path, err)
		}
	}
	return nil
}

// Command returns the hidden `generate` command for root: packagers call it,
// operators have `completion` and the installed pages.
func Command(root *cobra.Command, version string) *cobra.Command {
	var o Options
	cmd := &cobra.Command{
		Use:    "generate [--man DIR] [--bash-completion FILE] [--zsh-completion FILE] [--fish-completion FILE]",
		Short:  "Write man pages and shell completion files (for packaging)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return Write(root, version, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.ManDir, "man", "", "write man pages into `DIR`")
	f.StringVar(&o.Bash, "bash-completion", "", "write the bash completion script to `FILE`")
	f.StringVar(&o.Zsh, "zsh-completion", "", "write the zsh completion script to `FILE`")
	f.StringVar(&o.Fish, "fish-completion", "", "write the fish completion script to `FILE`")
	return cmd
}
