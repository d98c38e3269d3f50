package sigfile

// HashType is the digest algorithm of a hash signature, known from the
// length of its hex digest.
type HashType uint8

// The digest algorithms of hash signatures.
const (
	MD5    HashType = iota + 1 // 32 hex digits
	SHA1                       // 40 hex digits
	SHA256                     // 64 hex digits
)

func (t HashType) String() string {
	switch t {
	case MD5:
		return "md5"
	case SHA1:
		return "sha1"
	case SHA256:
		return "sha256"
	}
	return "unknown"
}

// AnySize is the Size of a hash signature written with size "*".
const AnySize int64 = -1

// HashSig is one line of .hdb/.hsb/.fp/.sfp (whole-file hash) or .mdb/.msb
// (PE section hash, Section true).
type HashSig struct {
	Name    string
	Type    HashType
	Digest  []byte // raw bytes, len 16, 20 or 32
	Size    int64  // file or section size; AnySize for "*"
	Section bool   // true for .mdb/.msb: the hash of one PE section
	MinFL   int    // 0 when absent
	MaxFL   int    // 0 when absent
}

// Engine functionality level of this product: signatures whose MinFL is above
// it or whose MaxFL is below it are skipped, not errors (ClamAV 1.4 is 200+;
// we claim the level of the ClamAV release whose formats we implement).
const FLevel = 240

// OffsetKind says where a body signature may start.
type OffsetKind uint8

// Offset kinds (ClamAV extended signature format).
const (
	OffAny          OffsetKind = iota // "*"
	OffAbs                            // "n"
	OffEOF                            // "EOF-n": N is n (bytes before end of file)
	OffEP                             // "EP+n" / "EP-n": N signed
	OffSection                        // "Sx+n": Section x, N
	OffSectionWhole                   // "SEx": anywhere inside section x
	OffLastSection                    // "SL+n"
	OffVersionInfo                    // "VI": PE version-info pairs
	OffMacro                          // "$n$": macro group n (in Macro)
)

// NoShift is Offset.MaxShift when no ",maxshift" was given.
const NoShift int64 = -1

// Offset is a parsed offset field: the match must start at the computed
// position, or anywhere from it to it+MaxShift when MaxShift >= 0.
type Offset struct {
	Kind     OffsetKind
	N        int64 // n; signed for EP
	Section  int   // x for OffSection and OffSectionWhole
	MaxShift int64 // NoShift when absent
	Macro    int   // n for OffMacro
}

// Gap is a run of arbitrary bytes between two parts of a pattern: {n},
// {-n}, {n-}, {n-m}, [n-m] and "*". Max is -1 when unbounded.
type Gap struct {
	Min, Max int
}

// ElemKind is the kind of one pattern element.
type ElemKind uint8

// Pattern element kinds.
const (
	ElemByte     ElemKind = iota // Value under Mask: "aa" (0xff), "a?" (0xf0), "?a" (0x0f), "??" (0x00)
	ElemAlt                      // (aa|bb|cccc|..) or !(...): one of Alts, or none of them when Negate
	ElemBoundary                 // (B): a word-boundary byte or a file edge
	ElemLineEnd                  // (L): CR, CRLF, LF or a file edge
	ElemNonAlnum                 // (W): one byte that is not a letter or digit
)

// ByteMatch is one byte under a mask: data byte d matches when
// d&Mask == Value&Mask.
type ByteMatch struct {
	Value, Mask byte
}

// Elem is one element of a pattern part.
type Elem struct {
	Kind   ElemKind
	Byte   ByteMatch     // for ElemByte
	Alts   [][]ByteMatch // for ElemAlt: the alternatives (may differ in length unless Negate)
	Negate bool          // for ElemAlt
}

// Pattern is a parsed hex signature: Parts separated by Gaps.
// len(Gaps) == len(Parts)-1; Gaps[i] lies between Parts[i] and Parts[i+1].
// {n} gaps are kept as Gap{n, n}: the matcher decides whether to expand them.
type Pattern struct {
	Parts [][]Elem
	Gaps  []Gap
}

// BodySig is one line of .ndb: an extended body signature.
type BodySig struct {
	Name    string
	Target  int // 0 any, 1 PE, 2 OLE2, 3 HTML, 4 mail, 5 graphics, 6 ELF, 7 ASCII, 9 Mach-O, 10 PDF, ...
	Offset  Offset
	Hex     string // the hex field as written
	Pattern Pattern
	MinFL   int
	MaxFL   int
}

// Range is an inclusive numeric range from a logical signature's target
// block ("a-b", or "a" meaning a-a).
type Range struct {
	Min, Max int64
}

// TargetBlock is the TDB field of a logical signature.
type TargetBlock struct {
	EngineMin, EngineMax int // 0 when absent
	Target               int
	FileSize             *Range
	EntryPoint           *Range
	NumberOfSections     *Range
	Container            string   // CL_TYPE_x
	Intermediates        []string // CL_TYPE_x, in order
	IconGroup1           string
	IconGroup2           string
	HandlerType          string
	// Other holds the keys this package does not interpret (PE section
	// conditions and the like), as written.
	Other map[string]string
}

// ExprOp is the operator of a logical-expression node.
type ExprOp uint8

// Logical expression operators.
const (
	ExprSub ExprOp = iota // a subsignature index: Index
	ExprAnd               // all of Args
	ExprOr                // any of Args
)

// CountOp compares a node's match count (=X, >X, <X, with optional ",Y").
type CountOp uint8

// Count comparison operators.
const (
	CountNone CountOp = iota
	CountEq
	CountGt
	CountLt
)

// Expr is a node of a logical expression. Any node may carry a count
// condition: "(0|1)>2" means the subtree matched more than 2 times; Y, when
// not -1, is the number of distinct subsignatures that must have matched.
type Expr struct {
	Op    ExprOp
	Index int     // for ExprSub
	Args  []*Expr // for ExprAnd / ExprOr
	Count CountOp
	X     int
	Y     int // -1 when absent
}

// SubKind is the kind of a logical subsignature.
type SubKind uint8

// Subsignature kinds.
const (
	SubBody     SubKind = iota // [OFFSET:]HEX[::MODS]
	SubPCRE                    // [OFFSET:]TRIGGER/REGEX/[FLAGS]
	SubByteCmp                 // TRIG(>>OFF#OPTS#CMP[,CMP])
	SubMacro                   // ${min-max}ID$
	SubFuzzyImg                // fuzzy_img#HASH[#DIST]
)

// SubSig is one subsignature of a logical signature. Body subsignatures are
// parsed into Offset/Pattern/Mods; the other kinds keep Raw for evaluation
// by whoever supports them.
type SubSig struct {
	Kind    SubKind
	Raw     string
	Offset  Offset  // OffAny when absent
	Hex     string  // SubBody
	Pattern Pattern // SubBody
	// Modifiers of SubBody: i (nocase), w (wide), f (fullword), a (ascii with w).
	NoCase, Wide, FullWord, ASCII bool
	// SubPCRE: TriggerExpr is Trigger parsed, nil for PCREBypass.
	Trigger, Regex, Flags string
	TriggerExpr           *Expr
	// SubMacro: ${MacroMin-MacroMax}MacroGroup$
	MacroMin, MacroMax, MacroGroup int
}

// LogicalSig is one line of .ldb.
type LogicalSig struct {
	Name     string
	TDB      TargetBlock
	ExprText string
	Expr     *Expr
	Subs     []SubSig
}

// IgnoreEntry is one line of .ign/.ign2: a signature name whose detections
// are dropped, optionally only for the database line with this MD5.
type IgnoreEntry struct {
	Name string
	MD5  []byte // nil: every signature of that name
}

// Entry is the parsed form of one line. Exactly one of the pointers is set.
type Entry struct {
	Kind    Kind
	Hash    *HashSig    // hdb hsb mdb msb (and fp sfp, with Allow set)
	Allow   bool        // fp / sfp: a file with this hash is clean
	Body    *BodySig    // ndb
	Logical *LogicalSig // ldb
	Ignore  *IgnoreEntry
	// Skip is non-empty when ClamAV at FLevel would not load this
	// signature (MINFL/MAXFL or Engine range, unknown target, unknown TDB
	// attribute or file type), and says why. ClamAV skips such lines
	// before reading their patterns, so for them a pattern, offset or
	// subsignature that does not parse is left zero (Hex and Raw keep the
	// text) instead of failing the line.
	Skip string
}
