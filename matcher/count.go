package matcher

// Counting a split pattern. ClamAV counts a subsignature that gaps split
// into parts once per match of its last part that completes a chain
// (libclamav/matcher-ac.c), whichever part its automaton found first. The
// filter finds a pattern by its rarest part, anywhere in the chain, so a
// candidate whose count matters enumerates the last-part positions its
// chain reaches to the right, and each is counted once per scan.
//
// What was enumerated is kept per scan: "the last parts reachable from
// part k starting at s were all counted" holds whatever the candidate, so
// a start is walked once per file (the scan's mono table, seenKey), and
// the walk of an unbounded gap once per part, from its lowest start on
// (monoCount). Patterns that only need a match take matchAt's shortcut.

// seenKey is the mono-table key of "part index gp (in code.parts) at
// position s was enumerated": bit 63 keeps it apart from monoGet's keys.
func seenKey(gp uint32, s int64) uint64 {
	return 1<<63 | uint64(gp)<<40 | uint64(s)&(1<<40-1)
}

// countEnds records a match of pattern pi for each last-part position,
// not counted before in this scan, of a chain through part j at s.
func (sc *scan) countEnds(pi, j uint32, s int64) {
	if s < 0 || s > sc.v.size || !sc.begin(pi) {
		return
	}
	p := &sc.m.pats[pi]
	pd := &sc.m.c.parts[p.part0+j]
	if j+1 == p.nparts {
		if sc.firstSeen(p.part0+j, s) && sc.partEnds(pd, s, func(int64) bool { return true }) && sc.leftTo(p, j, s) {
			sc.record(pi)
		}
		return
	}
	leftDone, leftOK := false, false
	sc.partEnds(pd, s, func(e int64) bool {
		if !leftDone {
			leftOK, leftDone = sc.leftTo(p, j, s), true
		}
		return !leftOK || sc.countRight(pi, p, j, e)
	})
}

// firstSeen marks part gp at s as enumerated and reports whether it was
// not before.
func (sc *scan) firstSeen(gp uint32, s int64) bool {
	k := seenKey(gp, s)
	if _, ok := sc.mono.get(k); ok {
		return false
	}
	sc.mono.put(k, 0)
	return true
}

// countRight: part k of p ended at e; counts the last-part positions
// reachable from there and reports whether the count reached its cap.
func (sc *scan) countRight(pi uint32, p *pattern, k uint32, e int64) bool {
	pd := &sc.m.c.parts[p.part0+k]
	next := &sc.m.c.parts[p.part0+k+1]
	lo, hi := e+int64(pd.gapMin), min(e+int64(pd.gapMax), sc.v.size)
	if pd.gapMax < 0 {
		// Unbounded: every start from lo on is reachable, and those from
		// the lowest walked so far on were walked.
		st := sc.monoGet(pi, k+1, monoCount)
		hi = min(sc.monos[st].hi, sc.v.size+1) - 1
		sc.monos[st].hi = min(sc.monos[st].hi, lo)
	}
	last := k+2 == p.nparts
	for s := lo; s <= hi; s++ {
		if s = sc.nextStart(next, s, hi); s > hi {
			break
		}
		if pd.gapMax >= 0 && !sc.firstSeen(p.part0+k+1, s) {
			continue
		}
		if last {
			if sc.partEnds(next, s, func(int64) bool { return true }) {
				if sc.record(pi); !sc.wanted(p) {
					return true
				}
			}
			continue
		}
		if sc.partEnds(next, s, func(e2 int64) bool { return sc.countRight(pi, p, k+1, e2) }) {
			return true
		}
		if sc.v.err != nil {
			return true
		}
	}
	return false
}
