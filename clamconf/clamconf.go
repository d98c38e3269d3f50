// Package clamconf reads ClamAV's configuration files (freshclam.conf,
// clamd.conf, clamav-milter.conf) as ClamAV's own option parser does: one
// "Name value" directive a line, blanks around the value dropped, a value
// in double quotes taken without them, "#" starting a comment (also after
// a value), and an unedited sample file (its "Example" line) refused.
//
// It knows no directive: what one means is for its reader (package
// daemonconfig maps them to sigupdated's keys).
package clamconf

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/sigtool/sigtool/internal/bytesize"
)

// A Directive is one line of a file.
type Directive struct {
	Name  string
	Value string
	Line  int
}

// File is a parsed configuration file; Path names it in errors.
type File struct {
	Path       string
	Directives []Directive
}

// maxLine is ClamAV's line buffer; a longer line is an error here, not
// split in two as fgets would.
const maxLine = 512

// Read parses the file at path.
func Read(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, bytes.NewReader(b))
}

// Parse reads a configuration file from r; path names it in errors.
func Parse(path string, r io.Reader) (*File, error) {
	f := &File{Path: path}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), maxLine*8)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(strings.TrimLeft(sc.Text(), " \t"), " \t\r")
		if line == "" || line[0] == '#' {
			continue
		}
		if len(line) >= maxLine {
			return nil, f.errorf(n, "line longer than %d bytes", maxLine)
		}
		if strings.HasPrefix(line, "Example") {
			return nil, f.errorf(n, "%q: this is ClamAV's unedited sample file; delete the Example line (freshclam and clamd refuse the file too)", line)
		}
		i := strings.IndexAny(line, " \t")
		if i < 0 {
			return nil, f.errorf(n, "%s: no value", line)
		}
		name, value := line[:i], strings.TrimLeft(line[i:], " \t")
		if strings.HasPrefix(value, `"`) {
			end := strings.LastIndexByte(value, '"')
			if end == 0 {
				return nil, f.errorf(n, "%s: no closing quote", name)
			}
			value = value[1:end]
		}
		if c := strings.IndexByte(value, '#'); c >= 0 {
			value = strings.TrimRight(value[:c], " \t")
		}
		if value == "" {
			return nil, f.errorf(n, "%s: no value", name)
		}
		f.Directives = append(f.Directives, Directive{Name: name, Value: value, Line: n})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

func (f *File) errorf(line int, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", f.Path, line, fmt.Sprintf(format, args...))
}

// Where names a directive's place for messages: "freshclam.conf:12".
func (f *File) Where(d Directive) string { return f.Path + ":" + strconv.Itoa(d.Line) }

// All returns every occurrence of name, in file order (DatabaseMirror,
// TCPAddr and other repeatable directives).
func (f *File) All(name string) []Directive {
	var ds []Directive
	for _, d := range f.Directives {
		if d.Name == name {
			ds = append(ds, d)
		}
	}
	return ds
}

// Last returns the occurrence of name that counts for a directive given
// once: the last, as ClamAV's parser overwrites earlier ones.
func (f *File) Last(name string) (Directive, bool) {
	ds := f.All(name)
	if len(ds) == 0 {
		return Directive{}, false
	}
	return ds[len(ds)-1], true
}

// Bool reads a yes/no value as ClamAV does: "yes", "true" (any case) and
// "1" are true, everything else false.
func Bool(d Directive) bool {
	return strings.EqualFold(d.Value, "yes") || strings.EqualFold(d.Value, "true") || d.Value == "1"
}

// Number reads a whole number. ClamAV takes a prefix of digits and
// ignores the rest ("30s" is 30); here the rest is an error, so that a
// unit the operator meant is not silently dropped.
func (f *File) Number(d Directive) (int, error) {
	n, err := strconv.Atoi(d.Value)
	if err != nil {
		return 0, fmt.Errorf("%s: %s %q: want a whole number", f.Where(d), d.Name, d.Value)
	}
	return n, nil
}

// Size reads a byte count with ClamAV's K, M and G suffixes.
func (f *File) Size(d Directive) (int64, error) {
	n, err := bytesize.Parse(d.Value)
	if err != nil {
		return 0, fmt.Errorf("%s: %s: %w", f.Where(d), d.Name, err)
	}
	return n, nil
}
