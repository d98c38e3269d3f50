package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"

	"github.com/sigtool/sigtool/atomicfile"
)

// outDir writes delivered messages into a directory, each through a
// temporary file and a rename, so the directory only ever holds whole
// messages.
type outDir struct {
	dir  string
	used map[string]bool // names written in this run
}

// outputHook, when set by a test, wraps the writer of each output file so
// that a failure or a crash can be injected in the middle of a write.
var outputHook func(w io.Writer) io.Writer

// openOutDir prepares dir: it must exist, and temporaries a killed earlier
// run left there are removed.
func openOutDir(dir string) (*outDir, error) {
	if err := sweepTemps(dir); err != nil {
		return nil, err
	}
	return &outDir{dir: dir, used: map[string]bool{}}, nil
}

// write puts one message under name, its parts one after the other. Two
// inputs with one output name are an error rather than one overwriting
// the other.
func (o *outDir) write(name string, parts ...[]byte) error {
	if o.used[name] {
		return fmt.Errorf("--out: two inputs map to output name %q", name)
	}
	o.used[name] = true
	return atomicfile.WriteFrom(filepath.Join(o.dir, name), 0o644, func(w io.Writer) error {
		if outputHook != nil {
			w = outputHook(w)
		}
		for _, p := range parts {
			if len(p) == 0 {
				continue
			}
			if _, err := w.Write(p); err != nil {
				return err
			}
		}
		return nil
	})
}

// tempName matches atomicfile's temporary files (".NAME.tmp-DIGITS").
var tempName = regexp.MustCompile(`^\..+\.tmp-[0-9]+$`)

// sweepTemps removes temporary files a killed earlier run left in dir. A
// missing dir is an error: the caller names it, we do not guess.
func sweepTemps(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	for _, e := range entries {
		if e.Type().IsRegular() && tempName.MatchString(e.Name()) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("--out: removing stale %s: %w", e.Name(), err)
			}
		}
	}
	return nil
}
