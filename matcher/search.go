package matcher

import "bytes"

// Walks over gaps. Verification walks the positions a gap allows, and on
// real files those are long (Win.Trojan.Johnnie-9875495-0 is seven
// strings joined by "*": a candidate walks the file) and mostly hopeless.
// A part that starts with fixed bytes is looked for with bytes.Index
// (vector code, many bytes a cycle) instead of one position at a time;
// other parts are tested by their first byte, as before.

// maxNeedle bounds the bytes searched for: enough to make false starts
// rare, short enough for the vector search.
const maxNeedle = 16

// needle returns the fixed bytes a match of pd starts with, or nil.
func (sc *scan) needle(pd *partDesc) []byte {
	if pd.op0 == pd.op1 {
		return nil
	}
	o := sc.m.c.ops[pd.op0]
	if o.kind != opLit || o.nocase {
		return nil
	}
	return sc.m.c.lit[o.a : o.a+min(o.n, maxNeedle)]
}

// nextStart returns the first position in [s, hi] where pd may start
// (its needle, or its first byte, fits), or hi+1.
func (sc *scan) nextStart(pd *partDesc, s, hi int64) int64 {
	nd := sc.needle(pd)
	if nd == nil {
		for ; s <= hi && sc.v.err == nil; s++ {
			if sc.firstByteOK(pd, s) {
				return s
			}
		}
		return hi + 1
	}
	for s <= hi {
		w := sc.v.from(s, hi-s+int64(len(nd)))
		if len(w) < len(nd) {
			return hi + 1 // the end of the file, or a read error (v.err)
		}
		if i := bytes.Index(w, nd); i >= 0 {
			return min(s+int64(i), hi+1)
		}
		s += int64(len(w) - len(nd) + 1)
	}
	return hi + 1
}

// prevStart returns the last position in [lo, s] where pd may start, or
// lo-1.
func (sc *scan) prevStart(pd *partDesc, lo, s int64) int64 {
	lo = max(lo, 0)
	nd := sc.needle(pd)
	if nd == nil {
		for ; s >= lo && sc.v.err == nil; s-- {
			if sc.firstByteOK(pd, s) {
				return s
			}
		}
		return lo - 1
	}
	n := int64(len(nd))
	for s = min(s, sc.v.size-n); s >= lo; {
		// Windows a little smaller than the view's, so that each read
		// backwards (view.slice) serves one window.
		a := max(lo, s-(viewWindow-8192))
		w := sc.v.from(a, s-a+n)
		if int64(len(w)) < s-a+n {
			return lo - 1 // a read error (v.err)
		}
		if i := bytes.LastIndex(w, nd); i >= 0 {
			return a + int64(i)
		}
		s = a - 1
	}
	return lo - 1
}
