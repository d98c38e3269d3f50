package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sigtool/sigtool/atomicfile"
	"github.com/sigtool/sigtool/feeds"
)

func init() { extraCommands = append(extraCommands, newFeedCommand) }

func newFeedCommand(*globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "feed",
		Short: "Publish a native (Ed25519-signed) signature feed",
	}
	var out string
	keygen := &cobra.Command{
		Use:   "keygen --out NAME",
		Short: "Make a key pair: NAME.key (private, mode 0600) and NAME.pub (for public_key in sigupdated's config)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return fmt.Errorf("keygen needs --out NAME")
			}
			for _, p := range []string{out + ".key", out + ".pub"} {
				if _, err := os.Stat(p); err == nil {
					return fmt.Errorf("%s exists; refusing to overwrite a key", p)
				}
			}
			pub, priv, err := feeds.Keygen()
			if err != nil {
				return err
			}
			if err := atomicfile.Write(out+".key", []byte(priv+"\n"), 0o600); err != nil {
				return err
			}
			if err := atomicfile.Write(out+".pub", []byte(pub+"\n"), 0o644); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "public_key = %q\n", pub)
			return nil
		},
	}
	keygen.Flags().StringVar(&out, "out", "", "key file `NAME` (without extension)")

	var key, dir, name string
	var ver int
	build := &cobra.Command{
		Use:   "build --key KEY --version N --out DIR FILES...",
		Short: "Publish version N of a native feed into DIR (files, manifest.json, manifest.json.sig)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if key == "" || dir == "" || ver < 1 {
				return fmt.Errorf("build needs --key, --out and --version >= 1")
			}
			priv, err := os.ReadFile(key)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			err = feeds.BuildNativeFeed(dir, strings.TrimSpace(string(priv)), feeds.NativeBuild{Feed: name, Version: ver, Files: args})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "published version %d of %s in %s\n", ver, filepath.Base(dir), dir)
			return nil
		},
	}
	build.Flags().StringVar(&key, "key", "", "private key `FILE` from feed keygen")
	build.Flags().StringVar(&dir, "out", "", "feed `DIR` a web server serves")
	build.Flags().IntVar(&ver, "version", 0, "feed version `N` (must grow)")
	build.Flags().StringVar(&name, "name", "", "feed name in the manifest (default: DIR's base name)")
	cmd.AddCommand(keygen, build)
	return cmd
}
