package matcher

import "github.com/sigtool/sigtool/sigfile"

// A compiled pattern is a list of parts (runs of ops with no split between
// them) joined by gaps. Everything lives in flat, pointer-free arenas owned
// by the Matcher, so 300,000 patterns cost a few allocations and nothing for
// the garbage collector to trace.

type opKind uint8

const (
	opLit      opKind = iota // n bytes equal to lit[a:a+n] (case-folded if nocase)
	opMask                   // one byte b with b&mask == val
	opSkip                   // n arbitrary bytes
	opSet                    // one byte in sets[a]
	opAlt                    // one of alts[a] (fixed or variable length)
	opBound                  // one word-boundary byte (ClamAV's boundary table)
	opLine                   // LF or CRLF
	opNonAlnum               // one byte that is not an ASCII letter or digit
	// Zero-width checks: ClamAV turns (B), (L), (W) at the edge of a part
	// into conditions on the neighbouring byte (or the file edge).
	opBoundBefore
	opBoundAfter
	opLineBefore
	opLineAfter
	opWordBefore
	opWordAfter
	opWideWordBefore // fullword for wide strings: the char before is not (alnum, 00)
	opWideWordAfter
)

type op struct {
	kind      opKind
	nocase    bool
	val, mask byte
	a, n      uint32
}

// width returns the minimum and maximum number of bytes op consumes.
func (c *code) width(o op) (int, int) {
	switch o.kind {
	case opLit, opSkip:
		return int(o.n), int(o.n)
	case opMask, opSet, opBound, opNonAlnum:
		return 1, 1
	case opLine:
		return 1, 2
	case opAlt:
		a := c.alts[o.a]
		return int(a.minW), int(a.maxW)
	}
	return 0, 0
}

type altDesc struct {
	i0, i1     uint32 // items[i0:i1]
	negate     bool
	minW, maxW int32
}

type altItem struct {
	b0, n uint32 // bms[b0:b0+n]
}

// partDesc is one part; gapMin/gapMax describe the gap after it (gapMax -1:
// unbounded). minW/maxW bound the bytes the part consumes.
type partDesc struct {
	op0, op1       uint32
	minW, maxW     int32
	gapMin, gapMax int32
	// preMin and preMax bound the distance from the pattern's start to
	// this part's (preMax -1: unbounded): with the offset's range of
	// starts, they bound where a walk to the left looks for it.
	preMin, preMax int32
	det            bool // no generic alternatives: one end per start
}

// code holds the arenas shared by all patterns of one matcher.
type code struct {
	ops   []op
	lit   []byte
	sets  [][4]uint64
	alts  []altDesc
	items []altItem
	bms   []sigfile.ByteMatch
	parts []partDesc
	run   []byte // partBuilder scratch, reused while adding
}

// mode says how a pattern's candidate positions are found.
type mode uint8

const (
	modeAnchored mode = iota // q-gram filter tiers (filter.go)
	modeShort                // 2-gram table, every position
	modeDirect               // fixed offset: only the allowed start positions
	modeSlow                 // every allowed start position
	modeRun                  // one byte repeated: a search for its runs (run.go)
)

// pattern is one compiled body pattern: an ndb signature or one form (ascii
// or wide) of an ldb body subsignature.
type pattern struct {
	part0, nparts uint32
	owner         uint32 // ndb: index in sigs; ldb: index in lsigs
	sub           uint8  // ldb subsignature index
	lsig          bool
	target        uint8
	cap           uint32 // ldb: the count at which matches stop mattering (lsigInfo.subCap)
	mode          mode
	off           sigfile.Offset
	// The anchor, in part anchorPart. modeAnchored: tier indexes tiers,
	// and anchorLit/anchorLen index the Builder's gram offsets (one per
	// residue; used by Build only). modeRun: the byte at anchorLit in
	// the lit arena, anchorLen times. modeShort: a 2-3 byte literal at
	// anchorOff from the part start, at anchorLit in the lit arena.
	anchorPart uint32
	anchorOff  uint32
	anchorLen  uint32
	anchorLit  uint32
	tier       uint32
}
