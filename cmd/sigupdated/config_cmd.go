package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sigtool/sigtool/internal/duration"
)

func newConfigCommand(f *flags, stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Work with the configuration file",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "check",
		Short: "Check the configuration (every key, the policy file, certificates) and say what it configures",
		Long: `Check the configuration file as the daemon would read it at start or on
SIGHUP, and print what it configures. Exit 0 when it is valid, 2 (with the
file and key at fault) when not.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			cfg, err := f.loadConfig()
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s: OK\n", f.config)
			fmt.Fprintf(stdout, "store: %s\n", cfg.DB)
			names := make([]string, 0, len(cfg.Feeds))
			for _, fd := range cfg.Feeds {
				names = append(names, fd.Name+" ("+fd.Type+")")
			}
			fmt.Fprintf(stdout, "feeds: %d, %d checks a day", len(cfg.Feeds), cfg.ChecksPerDay)
			if len(names) > 0 {
				fmt.Fprintf(stdout, ": %s", strings.Join(names, ", "))
			}
			fmt.Fprintln(stdout)
			if s := cfg.Scan; s != nil {
				var on []string
				if s.UnixSocket != "" {
					on = append(on, "unix "+s.UnixSocket+" (mode "+s.SocketMode+")")
				}
				if s.TCP != "" {
					on = append(on, "tcp "+s.TCP)
				}
				fmt.Fprintf(stdout, "scan service: %s; stream_max_length %s, max_threads %d, max_queue %d\n",
					strings.Join(on, ", "), s.StreamMaxLength, s.MaxThreads, s.MaxQueue)
			} else {
				fmt.Fprintln(stdout, "scan service: off (no [scan])")
			}
			if m := cfg.Milter; m != nil {
				policy := "[mail]'s policy"
				if m.Policy != "" {
					policy = m.Policy
				}
				fmt.Fprintf(stdout, "milter: %s; %s; on_error %s, on_oversize %s, on_delete %s, max_size %s, scan_timeout %s\n",
					m.Listen, policy, m.OnError, m.OnOversize, m.OnDelete, m.MaxSize, m.ScanTimeout.Duration)
			} else {
				fmt.Fprintln(stdout, "milter: off (no [milter])")
			}
			if cfg.Listen != "" {
				fmt.Fprintf(stdout, "http: %s (/metrics, /healthz, /v1/mailscan)\n", cfg.Listen)
			}
			if cfg.Scan != nil || cfg.Listen != "" {
				policy := cfg.Mail.Policy
				if policy == "" {
					policy = "the built-in one"
				}
				keep := "kept until deleted"
				if r := cfg.Mail.QuarantineRetention.Duration; r > 0 {
					keep = "purged " + duration.Format(r) + " after it was last quarantined"
				}
				fmt.Fprintf(stdout, "mail: policy %s; quarantine %s, %s\n", policy, cfg.Mail.QuarantinePath(cfg.DB), keep)
			}
			if cfg.ServeMirror != "" {
				fmt.Fprintf(stdout, "mirror: %s\n", cfg.ServeMirror)
			}
			return nil
		},
	})
	cmd.AddCommand(newImportFreshclamCommand(f, stdout, stderr))
	return cmd
}
