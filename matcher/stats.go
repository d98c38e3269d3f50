package matcher

// Reason says why a loaded signature is never evaluated. Such signatures are
// counted, never silently dropped.
type Reason string

// Reasons for Stats.NotEvaluated.
const (
	ReasonTarget  Reason = "target 8, which ClamAV loads and never matches"
	ReasonFLevel  Reason = "functionality level out of range"
	ReasonOffset  Reason = "offset type not supported (macro)"
	ReasonPCRE    Reason = "PCRE subsignature"
	ReasonByteCmp Reason = "byte-compare subsignature"
	ReasonMacro   Reason = "macro subsignature"
	ReasonFuzzy   Reason = "fuzzy image-hash subsignature"
	ReasonTDB     Reason = "target-description condition not supported"
	// ReasonIcon: IconGroup1/IconGroup2 compare the PE's icons with an
	// icon database (.idb); without one loaded ClamAV never matches these
	// signatures, and we load none.
	ReasonIcon Reason = "IconGroup without an icon database (.idb): never matches, in ClamAV neither"
)

// Stats describes what a Matcher holds and how it evaluates it.
type Stats struct {
	// Loaded entries by kind (after FLevel and ignore filtering).
	HashSigs        int // whole-file MD5/SHA-1/SHA-256
	SectionHashSigs int // PE section hashes (.mdb/.msb)
	AllowHashes     int // .fp/.sfp
	BodySigs        int // .ndb
	LogicalSigs     int // .ldb
	IgnoreEntries   int
	// Ignored counts signatures dropped because an ignore entry names them.
	Ignored int

	// How compiled body patterns (ndb signatures and ldb body
	// subsignatures, one per ascii/wide form) are found.
	Patterns      int
	Anchored      int // found through the q-gram filter tiers
	ShortAnchored int // no usable 3-gram, a 2-3 byte literal: probed at every position
	Direct        int // a fixed offset: checked only at the positions it allows
	Slow          int // no anchor at all: tried at every allowed position
	Runs          int // one byte repeated: found by a search for its runs

	// NotEvaluated counts loaded signatures that are never evaluated, by
	// reason (a logical signature counts once, by its first problem).
	NotEvaluated map[Reason]int
}

func (s *Stats) notEvaluated(r Reason) {
	if s.NotEvaluated == nil {
		s.NotEvaluated = make(map[Reason]int)
	}
	s.NotEvaluated[r]++
}

func (s Stats) clone() Stats {
	c := s
	if s.NotEvaluated != nil {
		c.NotEvaluated = make(map[Reason]int, len(s.NotEvaluated))
		for k, v := range s.NotEvaluated {
			c.NotEvaluated[k] = v
		}
	}
	return c
}
