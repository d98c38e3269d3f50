package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/sigtool/sigtool/daemonconfig"
	"github.com/sigtool/sigtool/quarantine"
	"github.com/sigtool/sigtool/sigdb"
)

// systemConfig is sigupdated's configuration on an installed system. An
// operator who types `sigtool info` on the gateway means the store the
// daemon keeps, as clamscan means /var/lib/clamav: without --db and
// $SIGTOOL_DB the commands take the store (and its quarantine) from it.
var systemConfig = daemonconfig.DefaultPath

// system returns systemConfig, read once; nil when there is none. An
// error is a file that is there but cannot be used (fs.ErrPermission for
// one this user may not read).
func (g *globalOptions) system() (*daemonconfig.Config, error) {
	if !g.sysRead {
		g.sysRead = true
		g.sys, g.sysErr = daemonconfig.Load(systemConfig)
		if errors.Is(g.sysErr, fs.ErrNotExist) {
			g.sys, g.sysErr = nil, nil
		}
	}
	return g.sys, g.sysErr
}

// systemStateDir is the packaged daemon's state folder: on a server that
// has it, the store there is the one an operator means.
var systemStateDir = daemonconfig.StateDir

// dbPath is the store: --db, else $SIGTOOL_DB, else the db of
// systemConfig when this user may read it, else the daemon's store in
// systemStateDir when it is there (or the folder is this user's to
// write, as for root before the first update), else the per-user store
// (sigdb.DefaultPath).
func (g *globalOptions) dbPath() (string, error) {
	if g.db != "" {
		return g.db, nil
	}
	if p := os.Getenv("SIGTOOL_DB"); p != "" {
		return p, nil
	}
	// A configuration this user may not read is not theirs: their own
	// store is the default, as without one.
	switch cfg, err := g.system(); {
	case err != nil && !errors.Is(err, fs.ErrPermission):
		return "", fmt.Errorf("%w (the store comes from there without --db; give --db or $SIGTOOL_DB)", err)
	case cfg != nil && cfg.DB != "":
		return cfg.DB, nil
	}
	if p := filepath.Join(systemStateDir, filepath.Base(daemonconfig.SystemDB)); usable(p) {
		return p, nil
	}
	return sigdb.DefaultPath()
}

// usable reports whether the store at p is there for this user to read,
// or its folder is there for this user to create it in.
func usable(p string) bool {
	if f, err := os.Open(p); err == nil {
		f.Close()
		return true
	}
	if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
		return false // there, but not this user's
	}
	return syscall.Access(filepath.Dir(p), 2 /* W_OK */) == nil
}

// quarantinePath is the quarantine: flag (--quarantine), else the
// daemon's [mail] quarantine when the store is the daemon's, else the
// store's own beside it (quarantine.Find). When that is the shared
// quarantine.db of older versions, a note on stderr says so.
func (g *globalOptions) quarantinePath(flag string, stderr io.Writer) (string, error) {
	if flag != "" {
		return flag, nil
	}
	db, err := g.dbPath()
	if err != nil {
		return "", err
	}
	if cfg, _ := g.system(); cfg != nil && cfg.Mail.Quarantine != "" && samePath(cfg.DB, db) {
		return cfg.Mail.Quarantine, nil
	}
	p, legacy := quarantine.Find(db)
	if legacy {
		fmt.Fprintf(stderr, "sigtool: note: using %s, the quarantine older versions shared among the stores of %s; rename it to %s (nothing running) to make it this store's own\n",
			p, filepath.Dir(db), quarantine.PathFor(db))
	}
	return p, nil
}

func samePath(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	x, err1 := filepath.Abs(a)
	y, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && x == y
}
