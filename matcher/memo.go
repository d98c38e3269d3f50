package matcher

// stampTable is an open-addressing hash table from uint64 keys to uint32
// values whose entries belong to a generation: entries of older
// generations read as empty, so starting a new generation empties the
// table without touching it. Verification keeps its memo (one generation
// per candidate) and its per-file caches (one per Detect) in these instead
// of Go maps: a candidate on real data costs a few of these probes, and
// map access and clearing were most of a scan's time (issue 23's profile).
type stampTable struct {
	keys []uint64
	vals []uint64 // gen<<32 | value
	gen  uint32
	n    int // entries of this generation
}

// reset starts a new generation.
func (t *stampTable) reset() {
	t.gen++
	t.n = 0
	if t.gen == 0 { // wrapped: old stamps could look current
		clear(t.vals)
		t.gen = 1
	}
}

func stampHash(k uint64) uint64 { return (k ^ k>>29) * 0xbf58476d1ce4e5b9 }

// get returns the value of k in this generation.
func (t *stampTable) get(k uint64) (uint32, bool) {
	if len(t.keys) == 0 {
		return 0, false
	}
	mask := uint64(len(t.keys) - 1)
	for i := stampHash(k) & mask; ; i = (i + 1) & mask {
		v := t.vals[i]
		if uint32(v>>32) != t.gen {
			return 0, false
		}
		if t.keys[i] == k {
			return uint32(v), true
		}
	}
}

// put sets k to v in this generation.
func (t *stampTable) put(k uint64, v uint32) {
	if t.gen == 0 {
		t.gen = 1
	}
	if 2*(t.n+1) > len(t.keys) {
		t.grow()
	}
	mask := uint64(len(t.keys) - 1)
	for i := stampHash(k) & mask; ; i = (i + 1) & mask {
		cur := t.vals[i]
		if uint32(cur>>32) != t.gen {
			t.keys[i], t.vals[i] = k, uint64(t.gen)<<32|uint64(v)
			t.n++
			return
		}
		if t.keys[i] == k {
			t.vals[i] = uint64(t.gen)<<32 | uint64(v)
			return
		}
	}
}

// grow doubles the table, keeping this generation's entries.
func (t *stampTable) grow() {
	oldK, oldV := t.keys, t.vals
	n := max(64, 2*len(oldK))
	t.keys, t.vals = make([]uint64, n), make([]uint64, n)
	t.n = 0
	for i, v := range oldV {
		if uint32(v>>32) == t.gen {
			t.put(oldK[i], uint32(v))
		}
	}
}

// shrink drops a table grown large by one odd file, so that the pool
// does not pin it.
func (t *stampTable) shrink() {
	if len(t.keys) > 1<<16 {
		*t = stampTable{gen: t.gen}
	}
}
