package sigdb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sigtool/sigtool/atomicfile"
)

// ExportedFile is one file Export wrote.
type ExportedFile struct {
	Feed string
	Path string
	Size int
}

// Export writes feeds' files back out, byte for byte as imported (or as
// updated by cdiffs). With feed set, that feed's files go straight into dir;
// otherwise each feed gets dir/<feed>/. Every file is written to a temporary
// name and renamed, so a crash never leaves a partial file.
func (db *DB) Export(ctx context.Context, feed, dir string) ([]ExportedFile, error) {
	var names []string
	if feed != "" {
		names = []string{feed}
	} else {
		all, err := db.Feeds()
		if err != nil {
			return nil, err
		}
		for _, f := range all {
			names = append(names, f.Name)
		}
	}
	var out []ExportedFile
	for _, name := range names {
		files, err := db.FeedFiles(ctx, name)
		if err != nil {
			return out, err
		}
		target := dir
		if feed == "" {
			target = filepath.Join(dir, safeName(name))
		}
		if err := os.MkdirAll(target, 0o755); err != nil {
			return out, fmt.Errorf("sigdb: export: %w", err)
		}
		for _, f := range files {
			p := filepath.Join(target, safeName(f.Name))
			if err := atomicfile.Write(p, f.Data, 0o644); err != nil {
				return out, fmt.Errorf("sigdb: export feed %s: %w", name, err)
			}
			out = append(out, ExportedFile{Feed: name, Path: p, Size: len(f.Data)})
		}
	}
	return out, nil
}

// safeName keeps stored names from escaping the export directory.
func safeName(n string) string {
	n = strings.NewReplacer("/", "_", "\\", "_", "\x00", "_").Replace(n)
	if n == "." || n == ".." || n == "" {
		n = "_" + n
	}
	return n
}
