package difftest

import (
	"bufio"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/sigtool/sigtool/matcher"
	"github.com/sigtool/sigtool/scan"
	"github.com/sigtool/sigtool/sigfile"
)

// database is a set of signature files by file name ("x.ndb" -> lines);
// the extension gives the kind, for us and for clamscan alike.
type database map[string][]string

func (db database) add(file string, lines ...string) { db[file] = append(db[file], lines...) }

// write puts the database files into a new directory under dir and
// returns it; clamscan -d loads every database file of a directory.
func (db database) write(t testing.TB, dir string) string {
	t.Helper()
	out := filepath.Join(dir, "db")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, lines := range db {
		data := strings.Join(lines, "\n") + "\n"
		if err := os.WriteFile(filepath.Join(out, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// loadDir compiles every signature file of dir with our parser and matcher,
// the way a product would: ignore lists first (ClamAV loads them before the
// signatures they name), lines with their text so NAME:MD5 entries apply,
// and lines ClamAV would skip at its level (Entry.Skip) left out.
func loadDir(ctx context.Context, dir string) (*matcher.Matcher, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	type file struct {
		path string
		kind sigfile.Kind
	}
	var files []file
	for _, e := range ents {
		if k, _, ok := sigfile.KindOf(e.Name()); ok && e.Type().IsRegular() {
			files = append(files, file{filepath.Join(dir, e.Name()), k})
		}
	}
	isIgnore := func(k sigfile.Kind) bool { return k == sigfile.KindIGN || k == sigfile.KindIGN2 }
	sort.SliceStable(files, func(i, j int) bool { return isIgnore(files[i].kind) && !isIgnore(files[j].kind) })
	b := matcher.NewBuilder()
	for _, f := range files {
		if err := addFile(b, f.path, f.kind); err != nil {
			return nil, err
		}
	}
	return b.Build(ctx)
}

func addFile(b *matcher.Builder, path string, kind sigfile.Kind) error {
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		e, err := sigfile.ParseLine(kind, line)
		switch {
		case errors.Is(err, sigfile.ErrNoSignature):
			continue
		case err != nil:
			return &lineError{path, n, err}
		case e.Skip != "":
			continue
		}
		if err := b.AddLine(e, line); err != nil {
			return &lineError{path, n, err}
		}
	}
	return sc.Err()
}

type lineError struct {
	path string
	line int
	err  error
}

func (e *lineError) Error() string {
	return filepath.Base(e.path) + ":" + strconv.Itoa(e.line) + ": " + e.err.Error()
}

func (e *lineError) Unwrap() error { return e.err }

// ourVerdicts scans every file with our scan engine on m as sigtool scan
// does (typed, archives and mail opened, text normalised), and returns
// the same shape of result: every signature found anywhere in the tree.
func ourVerdicts(t testing.TB, m *matcher.Matcher, files []string) verdicts {
	t.Helper()
	opts := scan.DefaultOptions()
	opts.Expand = scan.ExpandMail
	e := scan.New(m, opts)
	v := verdicts{}
	for _, f := range files {
		res, err := e.ScanFile(context.Background(), f)
		if err != nil {
			t.Fatalf("scan %s: %v", f, err)
		}
		var names []string
		for _, fd := range res.Findings() {
			names = append(names, fd.Signature)
		}
		v[f] = slices.Compact(slices.Sorted(slices.Values(names)))
	}
	return v
}
