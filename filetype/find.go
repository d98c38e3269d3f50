package filetype

import (
	"bytes"
	"slices"
)

// found is one match of a type signature: its type and where it ends.
type found struct {
	t        Type
	start    int
	end      int
	sigIndex int
}

// findSigs returns the first match of each signature of sigs in data
// (ClamAV records a type once per signature and window), in the order the
// matches end, signatures earlier in the table first among equals.
func findSigs(data []byte, sigs []typeSig) []found {
	var out []found
	for i := range sigs {
		if s, e, ok := sigs[i].find(data); ok {
			out = append(out, found{t: sigs[i].t, start: s, end: e, sigIndex: i})
		}
	}
	slices.SortStableFunc(out, func(a, b found) int { return a.end - b.end })
	return out
}

// find returns the earliest-starting match of s in data.
func (s *typeSig) find(data []byte) (start, end int, ok bool) {
	if s.eof > 0 {
		at := len(data) - s.eof
		end, ok := s.pat.matchAt(data, at)
		return at, end, ok
	}
	hi := len(data) - 1
	if s.to >= 0 {
		hi = min(hi, s.to)
	}
	b, fixed := s.pat.first()
	for i := s.from; i <= hi; i++ {
		if fixed {
			j := bytes.IndexByte(data[i:hi+1], b)
			if j < 0 {
				break
			}
			i += j
		}
		if end, ok := s.pat.matchAt(data, i); ok {
			return i, end, true
		}
	}
	return 0, 0, false
}
