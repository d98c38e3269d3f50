package main

import (
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/minio/sha256-simd"
	"github.com/spf13/cobra"
)

func newHashCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "hash FILE...",
		Short: "Print .hsb lines (sha256:size:name) for files, like ClamAV's sigtool --sha256",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, p := range args {
				line, err := hashLine(p)
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), line)
			}
			return nil
		},
	}
}

// hashLine reads a file once and returns its .hsb line.
func hashLine(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return fmt.Sprintf("%s:%d:%s", hex.EncodeToString(h.Sum(nil)), n, filepath.Base(path)), nil
}
