package filetype

import "slices"

// found is one match of a type signature: its type and where it ends.
type found struct {
	t        Type
	start    int
	end      int
	sigIndex int
}

// sigIndex is the search plan for a table of type signatures, built once:
// those anchored at one offset (or counted from the end) are tried where
// they are anchored; the others are tried only at the bytes their first
// part can start with. On XML, where '<' starts a quarter of the table,
// one pass with this dispatch replaced a search per signature, which cost
// each member tens of IndexByte passes over its head and text.
type sigIndex struct {
	sigs   []typeSig
	fixed  []int      // signatures tried at one offset: from == to, or eof
	starts [256][]int // by first byte: signatures searched for in a range
	lead   [256]bool  // starts[b] is not empty
	second [256]class // by first byte: the bytes that may follow it
}

func newSigIndex(sigs []typeSig) *sigIndex {
	x := &sigIndex{sigs: sigs}
	for i := range sigs {
		s := &sigs[i]
		if s.eof > 0 || s.from == s.to {
			x.fixed = append(x.fixed, i)
			continue
		}
		part := s.pat.parts[0]
		next := class{^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)}
		if len(part) > 1 {
			next = part[1]
		}
		for b := range 256 {
			if part[0].has(byte(b)) {
				x.starts[b] = append(x.starts[b], i)
				x.lead[b] = true
				for k := range next {
					x.second[b][k] |= next[k]
				}
			}
		}
	}
	return x
}

var typeSigIndex = newSigIndex(typeSigs)

// find returns the earliest-starting match of each signature in data
// (ClamAV records a type once per signature and window), in the order the
// matches end, signatures earlier in the table first among equals.
func (x *sigIndex) find(data []byte) []found {
	var out []found
	for _, i := range x.fixed {
		s := &x.sigs[i]
		at := s.from
		if s.eof > 0 {
			at = len(data) - s.eof
		}
		if end, ok := s.pat.matchAt(data, at); ok {
			out = append(out, found{t: s.t, start: at, end: end, sigIndex: i})
		}
	}
	var done []bool // by signature, once one is found
	for p, c := range data {
		if !x.lead[c] || (p+1 < len(data) && !x.second[c].has(data[p+1])) {
			continue
		}
		for _, i := range x.starts[c] {
			s := &x.sigs[i]
			if p < s.from || (s.to >= 0 && p > s.to) || (done != nil && done[i]) {
				continue
			}
			if end, ok := s.pat.matchAt(data, p); ok {
				out = append(out, found{t: s.t, start: p, end: end, sigIndex: i})
				if done == nil {
					done = make([]bool, len(x.sigs))
				}
				done[i] = true
			}
		}
	}
	slices.SortStableFunc(out, func(a, b found) int {
		if a.end != b.end {
			return a.end - b.end
		}
		return a.sigIndex - b.sigIndex
	})
	return out
}
