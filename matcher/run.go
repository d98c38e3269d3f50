package matcher

import (
	"bytes"
	"slices"
)

// Run patterns: a pattern that is one byte repeated (UPATRE-1's 00000000
// counted past 50, 20202020 past 1500, 5050505050505050) has only that
// byte's run for a gram, and real files are full of runs of 00, 20 and
// FF: its 3-gram 000000 passed the every-byte tier at 22% of the
// positions of real PE DLLs, a lookup each, and most of them were
// rejected only after it, by target or because the subsignature had
// reached its count. Such patterns are found by a search for their
// runs instead (bytes.Index, vectorised), and only while one of them can
// still change a verdict for this content (its target applies, it is
// not done).

// maxRunLen bounds the run patterns: a run is decided in one chunk,
// which the next overlaps by keepBytes.
const maxRunLen = 1024

// runGroup is a segment's run patterns of one byte, shortest first.
type runGroup struct {
	needle []byte // the byte repeated as often as the longest run needs
	pats   []runPat
}

type runPat struct {
	pi, n uint32 // pattern, run length
}

// runOf says whether the pattern of nparts parts at part0 is one byte
// repeated n times (2 <= n <= maxRunLen, every byte fixed, no condition),
// and which byte.
func (c *code) runOf(part0, nparts uint32) (v byte, n uint32, ok bool) {
	if nparts != 1 {
		return 0, 0, false
	}
	pd := c.parts[part0]
	for _, o := range c.ops[pd.op0:pd.op1] {
		if o.kind != opLit {
			return 0, 0, false
		}
		for _, b := range c.lit[o.a : o.a+o.n] {
			if n > 0 && b != v || o.nocase && lower(b) != upper(b) {
				return 0, 0, false
			}
			v = b
			n++
		}
	}
	return v, n, n >= 2 && n <= maxRunLen
}

// addRun puts run pattern pi (byte v, length n) into its group.
func addRun(groups []runGroup, pi uint32, v byte, n uint32) []runGroup {
	k := slices.IndexFunc(groups, func(g runGroup) bool { return g.needle[0] == v })
	if k < 0 {
		groups = append(groups, runGroup{needle: []byte{v}})
		k = len(groups) - 1
	}
	g := &groups[k]
	if int(n) > len(g.needle) {
		g.needle = bytes.Repeat([]byte{v}, int(n))
	}
	i, _ := slices.BinarySearchFunc(g.pats, n, func(p runPat, n uint32) int { return int(p.n) - int(n) })
	g.pats = slices.Insert(g.pats, i, runPat{pi, n})
	return groups
}

// runReach is the longest run pattern of segs: a chunk decides the starts
// up to that far before its end.
func runReach(segs []*Segment) int {
	r := 0
	for _, s := range segs {
		for _, g := range s.runs {
			r = max(r, len(g.needle))
		}
	}
	return r
}

// runRange finds the run patterns of the segment that start in [from, to)
// of buf (file offset base), to <= base+len(buf) and every run of them
// that starts before to inside buf.
func (sc *scan) runRange(buf []byte, base, from, to int64) {
	for gi := range sc.m.runs {
		g := &sc.m.runs[gi]
		// The shortest run still wanted: the search looks for that.
		lo := -1
		for k, rp := range g.pats {
			if sc.wanted(&sc.m.pats[rp.pi]) {
				lo = k
				break
			}
		}
		if lo < 0 {
			continue
		}
		v, needle := g.needle[0], g.needle[:g.pats[lo].n]
		end := int(to - base)
		for i := int(from - base); i < end; {
			k := bytes.Index(buf[i:], needle)
			if k < 0 || i+k >= end {
				break
			}
			rs := i + k
			re := rs + len(needle)
			for re < len(buf) && buf[re] == v {
				re++
			}
			for _, rp := range g.pats[lo:] {
				p := &sc.m.pats[rp.pi]
				for s := rs; s+int(rp.n) <= re && s < end && sc.wanted(p); s++ {
					sc.verify(rp.pi, 0, base+int64(s))
				}
			}
			i = re
		}
	}
}

// runsWanted says whether some run pattern of segment s (global index of
// its first pattern: first) may still change this call's verdict, without
// the segment's scan state.
func (d *detection) runsWanted(s *Segment, first uint32) bool {
	for _, g := range s.runs {
		for _, rp := range g.pats {
			if d.tmask>>s.pats[rp.pi].target&1 != 0 && !d.isDone(first+rp.pi) {
				return true
			}
		}
	}
	return false
}
