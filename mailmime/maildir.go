package mailmime

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ReadMaildir lists the message files of a Maildir: the regular files in
// dir/cur and dir/new (tmp/ holds deliveries in progress and is skipped),
// sorted by name within each, cur first. Names may contain ':' and ','
// (the info suffix, e.g. ":2,S"); files starting with '.' are skipped. A
// missing tmp/ is fine; missing both cur/ and new/ is ErrNotMaildir.
func ReadMaildir(dir string) ([]string, error) {
	var files []string
	found := false
	for _, sub := range []string{"cur", "new"} {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("mailmime: maildir %s: %w", dir, err)
		}
		found = true
		names := make([]string, 0, len(entries))
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") || !e.Type().IsRegular() {
				continue
			}
			names = append(names, e.Name())
		}
		sort.Strings(names)
		for _, n := range names {
			files = append(files, filepath.Join(dir, sub, n))
		}
	}
	if !found {
		return nil, fmt.Errorf("%w: %s", ErrNotMaildir, dir)
	}
	return files, nil
}
