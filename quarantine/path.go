package quarantine

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// PathFor is the quarantine of the store at db: beside it and named after
// it, "sigtool.db" -> "sigtool.quarantine.db", so that two stores in one
// folder do not share one.
func PathFor(db string) string {
	return strings.TrimSuffix(db, filepath.Ext(db)) + ".quarantine.db"
}

// Find is the quarantine the store at db uses when none is configured:
// PathFor(db). Versions before per-store quarantines kept one DefaultFile
// per folder, shared by its stores; when that file exists and PathFor(db)
// does not, Find returns it with legacy true, so nothing quarantined
// before goes missing and the caller can tell the operator. Renaming the
// file to PathFor(db) (with nothing running on it) makes it the store's
// own. The file is never moved here: a daemon may have it open, and the
// other stores of the folder may be using it.
func Find(db string) (path string, legacy bool) {
	own := PathFor(db)
	if _, err := os.Stat(own); !errors.Is(err, fs.ErrNotExist) {
		return own, false
	}
	shared := filepath.Join(filepath.Dir(db), DefaultFile)
	if fi, err := os.Stat(shared); err == nil && fi.Mode().IsRegular() {
		return shared, true
	}
	return own, false
}
