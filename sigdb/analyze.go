package sigdb

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"path"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/sigtool/sigtool/sigfile"
)

// segmentSize is how much of one file a parse worker takes at a time: large
// enough to amortise scheduling, small enough that two cores share a file.
const segmentSize = 1 << 20

// fileAnalysis is what parsing one file's lines found.
type fileAnalysis struct {
	kind       sigfile.Kind
	pua        bool
	lines      int
	signatures int
	bad        []*LineError // every bad line, in order
	duplicates []Duplicate
}

// Duplicate is a signature name that occurs more than once in one file.
type Duplicate struct {
	File  string `json:"file"`
	Name  string `json:"name"`
	Lines []int  `json:"lines"`
}

type segment struct {
	data      []byte
	firstLine int // 0-based line index of data's first line, filled after counting
	lines     int
	sigs      int
	bad       []*LineError // Line is segment-relative until fixed up
	names     []nameAt
}

type nameAt struct {
	hash uint64
	line int // segment-relative 0-based
}

var nameSeed = maphash.MakeSeed()

// analyzeFile parses every line of a signature file. It never stops at the
// first bad line: callers report all of them (or skip them).
func analyzeFile(ctx context.Context, name string, data []byte, kind sigfile.Kind, pua bool, progress func(int64)) (*fileAnalysis, error) {
	segs := splitSegments(data)
	work := make(chan *segment)
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range work {
				parseSegment(name, kind, s)
				if progress != nil {
					progress(int64(len(s.data)))
				}
			}
		}()
	}
	var err error
	for _, s := range segs {
		if err = ctx.Err(); err != nil {
			break
		}
		work <- s
	}
	close(work)
	wg.Wait()
	if err != nil {
		return nil, err
	}

	fa := &fileAnalysis{kind: kind, pua: pua}
	var names []nameAt
	for _, s := range segs {
		s.firstLine = fa.lines
		fa.lines += s.lines
		fa.signatures += s.sigs
		for _, le := range s.bad {
			le.Line += s.firstLine + 1
			fa.bad = append(fa.bad, le)
		}
		for _, n := range s.names {
			names = append(names, nameAt{n.hash, n.line + s.firstLine})
		}
	}
	if len(data) == 0 {
		// ClamAV refuses empty database files; so do we, with a reason.
		fa.bad = append(fa.bad, &LineError{File: name, Line: 1, Err: errors.New("empty signature file")})
	}
	fa.duplicates = findDuplicates(name, data, names)
	return fa, nil
}

// splitSegments cuts data at line ends into pieces of about segmentSize.
func splitSegments(data []byte) []*segment {
	var segs []*segment
	for len(data) > 0 {
		n := min(segmentSize, len(data))
		if n < len(data) {
			if i := bytes.IndexByte(data[n:], '\n'); i >= 0 {
				n += i + 1
			} else {
				n = len(data)
			}
		}
		segs = append(segs, &segment{data: data[:n]})
		data = data[n:]
	}
	return segs
}

func parseSegment(file string, kind sigfile.Kind, s *segment) {
	rest := s.data
	var p sigfile.Parser // each entry is done with before the next line
	for len(rest) > 0 {
		var line []byte
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			line, rest = rest, nil
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		idx := s.lines
		s.lines++
		p.Reset()
		e, err := p.ParseLine(kind, string(line))
		if errors.Is(err, sigfile.ErrNoSignature) {
			continue
		}
		if err != nil {
			s.bad = append(s.bad, &LineError{File: file, Line: idx, Err: err})
			continue
		}
		s.sigs++
		if n := duplicateKey(e); n != "" {
			s.names = append(s.names, nameAt{maphash.String(nameSeed, n), idx})
		}
	}
}

// duplicateKey is the name whose repetition is reported: the signature a
// line defines. Ignore entries name other signatures; repeats are harmless.
func duplicateKey(e sigfile.Entry) string {
	if e.Ignore != nil {
		return ""
	}
	return e.Name()
}

// findDuplicates reports names that occur on more than one line, confirming
// hash collisions against the real names.
func findDuplicates(file string, data []byte, names []nameAt) []Duplicate {
	slices.SortFunc(names, func(a, b nameAt) int {
		if c := cmp.Compare(a.hash, b.hash); c != 0 {
			return c
		}
		return cmp.Compare(a.line, b.line)
	})
	var candidates [][]int
	for i := 0; i < len(names); {
		j := i + 1
		for j < len(names) && names[j].hash == names[i].hash {
			j++
		}
		if j-i > 1 {
			lines := make([]int, 0, j-i)
			for _, n := range names[i:j] {
				lines = append(lines, n.line)
			}
			candidates = append(candidates, lines)
		}
		i = j
	}
	if len(candidates) == 0 {
		return nil
	}
	lineText := indexLines(data)
	var out []Duplicate
	for _, lines := range candidates {
		byName := map[string][]int{}
		var order []string
		for _, l := range lines {
			e, err := sigfile.ParseLine(kindOfFile(file), strings.TrimSuffix(lineText(l), "\r"))
			if err != nil {
				continue
			}
			n := duplicateKey(e)
			if _, seen := byName[n]; !seen {
				order = append(order, n)
			}
			byName[n] = append(byName[n], l+1)
		}
		for _, n := range order {
			if len(byName[n]) > 1 {
				out = append(out, Duplicate{File: file, Name: n, Lines: byName[n]})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Lines[0] < out[j].Lines[0] })
	return out
}

func kindOfFile(name string) sigfile.Kind {
	k, _, _ := sigfile.KindOf(name)
	return k
}

// indexLines returns a function giving the text of 0-based line i.
func indexLines(data []byte) func(int) string {
	var starts []int
	starts = append(starts, 0)
	for i, b := range data {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	return func(i int) string {
		if i >= len(starts) {
			return ""
		}
		end := len(data)
		if i+1 < len(starts) {
			end = starts[i+1] - 1
		}
		return string(data[starts[i]:end])
	}
}

// skipReason names a parse error's class for the --skip-invalid report.
func skipReason(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "sigfile: ")
	if i := strings.IndexAny(msg, ":("); i > 0 {
		msg = msg[:i]
	}
	return strings.TrimSpace(msg)
}

// typeKey is the by_type key of a file: its extension, so PUA files count
// apart from the others (hdu vs hdb).
func typeKey(name string) string {
	return strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))
}

func (fa *fileAnalysis) String() string {
	return fmt.Sprintf("%d lines, %d signatures, %d bad", fa.lines, fa.signatures, len(fa.bad))
}
