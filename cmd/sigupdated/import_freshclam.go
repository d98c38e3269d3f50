package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sigtool/sigtool/atomicfile"
	"github.com/sigtool/sigtool/clamconf"
	"github.com/sigtool/sigtool/daemonconfig"
)

// daemonGroup is the packaged unit's group, which reads the configuration.
const daemonGroup = "sigtool"

// Debian's ClamAV configuration, read when no file is named.
const (
	debianFreshclam = "/etc/clamav/freshclam.conf"
	debianClamd     = "/etc/clamav/clamd.conf"
)

func newImportFreshclamCommand(f *flags, stdout, stderr io.Writer) *cobra.Command {
	var output string
	var force bool
	cmd := &cobra.Command{
		Use:   "import-freshclam [freshclam.conf [clamd.conf]]",
		Short: "Write the configuration from ClamAV's freshclam.conf and clamd.conf",
		Long: `Read ClamAV's freshclam.conf (default ` + debianFreshclam + `) and clamd.conf
(default ` + debianClamd + ` when it exists) and write sigupdated's
configuration: the mirrors, databases, proxy, schedule and timeouts as a
clamav [[feed]], the sockets and limits as [scan]. Each key says which
directive it came from; every directive without a counterpart is named on
stderr and at the end of the file, with the reason.

The file is --output (default --config, ` + daemonconfig.DefaultPath + `; "-" is
stdout). An existing file is kept unless --force; it is replaced whole
(temporary file and rename); when it holds the proxy's password it is
readable by its owner and group sigtool (the packaged unit's) only.`,
		Args: cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if output == "" {
				output = f.config
			}
			return importFreshclam(args, output, force, stdout, stderr)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "write the configuration to `file` (\"-\": stdout; default --config)")
	cmd.Flags().BoolVar(&force, "force", false, "replace an existing --output file")
	return cmd
}

func importFreshclam(args []string, output string, force bool, stdout, stderr io.Writer) error {
	freshPath, clamdPath := debianFreshclam, ""
	if len(args) > 0 {
		freshPath = args[0]
	}
	if len(args) > 1 {
		clamdPath = args[1]
	} else if len(args) == 0 {
		if _, err := os.Stat(debianClamd); err == nil {
			clamdPath = debianClamd
		}
	}
	fresh, err := clamconf.Read(freshPath)
	if err != nil {
		return err
	}
	var clamd *clamconf.File
	if clamdPath != "" {
		if clamd, err = clamconf.Read(clamdPath); err != nil {
			return err
		}
	}
	imp, err := daemonconfig.ImportClamAV(fresh, clamd)
	if err != nil {
		return err
	}
	if output == "-" {
		if _, err := stdout.Write(imp.TOML); err != nil {
			return fmt.Errorf("writing the configuration: %w", err)
		}
	} else {
		if _, err := os.Lstat(output); err == nil && !force {
			return fmt.Errorf("%s exists: give --force to replace it, or --output another file", output)
		} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		// The proxy's password is for the daemon's eyes: its group
		// (the packaged unit's sigtool) reads the file, others do not.
		perm, gid := os.FileMode(0o644), -1
		if imp.Secret {
			perm = 0o600
			if g, err := user.LookupGroup(daemonGroup); err == nil {
				if n, err := strconv.Atoi(g.Gid); err == nil {
					perm, gid = 0o640, n
				}
			}
		}
		if err := atomicfile.Write(output, imp.TOML, perm); err != nil {
			return err
		}
		if gid >= 0 {
			if err := os.Chown(output, -1, gid); err != nil {
				return fmt.Errorf("%s holds the proxy's password and group %s must read it: %w", output, daemonGroup, err)
			}
		} else if imp.Secret {
			imp.Notes = append(imp.Notes, fmt.Sprintf("%s holds the proxy's password, so only its owner may read it: give the daemon's user read access (chgrp GROUP, chmod 0640)", output))
		}
		fmt.Fprintf(stdout, "%s: written from %d directives of %s; check it with `sigupdated config check --config %s`\n",
			output, len(imp.Mapped), describe(fresh, clamd), output)
	}
	if len(imp.Unmapped) > 0 {
		var names []string
		for _, d := range imp.Unmapped {
			if !slices.Contains(names, d.Name) {
				names = append(names, d.Name)
			}
		}
		fmt.Fprintf(stderr, "not mapped (%d directives; the reasons are at the end of the configuration): %s\n", len(imp.Unmapped), strings.Join(names, ", "))
	}
	for _, n := range imp.Notes {
		fmt.Fprintln(stderr, "note:", n)
	}
	return nil
}

func describe(fresh, clamd *clamconf.File) string {
	if clamd == nil {
		return fresh.Path
	}
	return fresh.Path + " and " + clamd.Path
}
