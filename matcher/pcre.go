package matcher

import (
	"fmt"
	"io"
	"time"

	"github.com/dlclark/regexp2/v2"

	"github.com/sigtool/sigtool/sigfile"
)

// PCRE subsignatures run as ClamAV runs them (libclamav/matcher-pcre.c):
// after every body subsignature of the content was matched, in the order
// of the logical signature's subsignatures, each one whose trigger (an
// expression over the earlier subsignatures) holds on the counts so far
// is run over the content from its offset; each match counts, and with
// the g flag every further match from the end of the last one counts too.
//
// The offset sets where the subject starts: "*" at 0 and unanchored; n or
// EOF-n without a shift anchored there (unless the r flag, rolling, asks
// for a search), with ",shift" a search whose match must start within
// shift bytes (the e flag, encompass, cuts the subject to those bytes
// instead). The subject begins at that offset, so "^" and lookbehind
// cannot see before it. Content over pcreMaxSize is not searched, as
// ClamAV refuses to.

// pcreMaxSize is ClamAV's default PCRE maximum file size.
const pcreMaxSize = 100 << 20

// pcreTimeout bounds one search. ClamAV bounds PCRE2's backtracking by
// counts (match limit 100000, recursion 2000); a search that hits them
// fails, and one that hits ours does too.
const pcreTimeout = 2 * time.Second

// pcreSub is one compiled PCRE subsignature: re searches, reAt is the
// same expression held at the search start (\G).
type pcreSub struct {
	sub      uint8     // subsignature index
	trigger  *exprNode // nil: the bypass trigger, always run
	re, reAt *regexp2.Regexp
	off      sigfile.Offset
	flags    pcreFlags
	run      byteRun    // a run every match contains (pcrerun.go)
	lits     *litFilter // literals one of which every match contains (pcrelit.go); nil: none known
	atZero   bool       // the trigger holds when no subsignature matched
	split    *leadSplit // the search split after its leading literal (pcresplit.go); nil: not split
}

// compilePCRE compiles subsignature s (index i) of a logical signature
// with nsubs subsignatures.
func compilePCRE(s *sigfile.SubSig, i, nsubs int) (pcreSub, error) {
	p := pcreSub{sub: uint8(i), off: s.Offset}
	var err error
	if p.flags, err = parsePCREFlags(s.Flags); err != nil {
		return p, fmt.Errorf("%w: %v", errPCRESyntax, err)
	}
	if s.Trigger != sigfile.PCREBypass {
		if s.TriggerExpr == nil {
			return p, fmt.Errorf("%w: PCRE subsignature %d without a trigger", ErrBadSignature, i)
		}
		n, err := compileExpr(s.TriggerExpr, nsubs, 0)
		if err != nil {
			return p, err
		}
		p.trigger = &n
		p.atZero, _, _ = n.eval(make([]uint32, nsubs))
	} else {
		p.atZero = true
	}
	pat, err := translatePCRE(s.Regex, p.flags)
	if err != nil {
		return p, err
	}
	var ro regexp2.RegexOptions
	if p.flags.caseless {
		ro |= regexp2.IgnoreCase // for backreferences only (pcresyntax.go)
	}
	if p.flags.dotall {
		ro |= regexp2.Singleline
	}
	if p.flags.multiline {
		ro |= regexp2.Multiline
	}
	p.run = requiredRun(pat, ro)
	if wide, err := parseWider(s.Regex, p.flags); err == nil {
		p.lits = litsFilter(wide)
	}
	opts := []regexp2.CompileOption{regexp2.OptionMaintainCaptureOrder(), ro}
	p.split = compileSplit(s.Regex, p.flags, opts)
	held := `\G(?:` + pat + `)`
	if p.flags.anchored {
		pat = held
	}
	if p.re, err = regexp2.Compile(pat, opts...); err != nil {
		return p, fmt.Errorf("%w: /%s/: %v", errPCRESyntax, s.Regex, err)
	}
	if p.reAt, err = regexp2.Compile(held, opts...); err != nil {
		return p, fmt.Errorf("%w: /%s/: %v", errPCRESyntax, s.Regex, err)
	}
	p.re.MatchTimeout, p.reAt.MatchTimeout = pcreTimeout, pcreTimeout
	return p, nil
}

// pcreContent is the content as the PCRE subsignatures of one Match
// call read it, each form made once and only when some PCRE needs it:
// its bytes (in place when in memory), ASCII-lower-cased for the
// literal filters that fold (pcrelit.go), and as runes 0-255 for regexp2.
type pcreContent struct {
	data, own, lower []byte
	runes            []rune
	err              error
	haveData         bool
	haveLower        bool
	haveRunes        bool
}

// reset forgets the content, keeping buffers of up to 1 MiB for the next
// call.
func (pc *pcreContent) reset() {
	pc.data, pc.err = nil, nil
	pc.haveData, pc.haveLower, pc.haveRunes = false, false, false
	if cap(pc.own) > 1<<20 {
		pc.own = nil
	}
	if cap(pc.lower) > 1<<20 {
		pc.lower = nil
	}
	if cap(pc.runes) > 1<<20 {
		pc.runes = nil
	}
}

func (d *detection) contentBytes() ([]byte, error) {
	pc := &d.pcre
	if pc.haveData {
		return pc.data, pc.err
	}
	pc.haveData = true
	size := d.v.size
	if d.v.off == 0 && int64(len(d.v.buf)) >= size {
		pc.data = d.v.buf[:size] // content in memory
		return pc.data, nil
	}
	if int64(cap(pc.own)) < size {
		pc.own = make([]byte, size)
	}
	pc.own = pc.own[:size]
	if n, err := d.v.r.ReadAt(pc.own, 0); int64(n) < size {
		if err == nil || err == io.EOF {
			err = ErrShortRead
		}
		pc.err = fmt.Errorf("matcher: read for PCRE: %w", err)
		return nil, pc.err
	}
	pc.data = pc.own
	return pc.data, nil
}

func (d *detection) contentLower() []byte {
	pc := &d.pcre
	if !pc.haveLower {
		pc.haveLower = true
		pc.lower = lowerASCII(append(pc.lower[:0], pc.data...))
	}
	return pc.lower
}

func (d *detection) contentRunes() []rune {
	pc := &d.pcre
	if !pc.haveRunes {
		pc.haveRunes = true
		if cap(pc.runes) < len(pc.data) {
			pc.runes = make([]rune, len(pc.data))
		}
		pc.runes = pc.runes[:len(pc.data)]
		for i, b := range pc.data {
			pc.runes[i] = rune(b)
		}
	}
	return pc.runes
}

// zeroCounts are the counts of a logical signature no subsignature of
// which matched; never written.
var zeroCounts [maxSubs]uint32

// runPCREs runs the PCRE subsignatures of the segment's logical signatures
// whose target applies. Most signatures had no match in a call, and then
// only a trigger that holds on no match can start a PCRE: the signatures
// walked are those counted in this call and those with such a trigger,
// not every one with a PCRE (559 in ClamAV's databases, a cache miss
// apiece, in every call).
func (sc *scan) runPCREs() error {
	s := sc.m
	if sc.v.size > pcreMaxSize {
		return nil
	}
	// The range is of lsUsed as it is now: the signatures that PCREs
	// of pcreAtZero add to it run below.
	for _, li := range sc.lsUsed {
		if l := &s.lsigs[li]; len(l.pcres) > 0 && !l.pcreAtZero {
			if err := sc.runLsigPCREs(li); err != nil {
				return err
			}
		}
	}
	for _, li := range s.pcreAtZero {
		if err := sc.runLsigPCREs(li); err != nil {
			return err
		}
	}
	return nil
}

// runLsigPCREs runs the PCRE subsignatures of logical signature li.
func (sc *scan) runLsigPCREs(li uint32) error {
	s := sc.m
	l := &s.lsigs[li]
	// A signature whose target block fails cannot match: its PCREs
	// need not run (Container:CL_TYPE_MAIL ones on every file, say).
	if s.deadLsig[li] || !sc.tdbOK(l) {
		return nil
	}
	fresh := sc.lsEpoch[li] != sc.epoch
	counts := zeroCounts[:l.nsubs]
	if !fresh {
		counts = sc.lsigCounts(li)
	}
	for i := range l.pcres {
		p := &l.pcres[i]
		if p.trigger != nil {
			if ok, _, _ := p.trigger.eval(counts); !ok {
				continue
			}
		}
		// No count of this or the later PCREs can make the
		// expression hold: their runs cannot change the verdict.
		if !l.canHold(counts, i) {
			break
		}
		limit := l.subCap[p.sub] - min(counts[p.sub], l.subCap[p.sub])
		n, err := sc.runPCRE(p, max(limit, 1))
		if err != nil {
			return err
		}
		if n == 0 {
			continue
		}
		if fresh {
			counts, fresh = sc.lsigCounts(li), false
		}
		counts[p.sub] += n
	}
	return nil
}

// canHold reports whether l's expression can hold for some counts of the
// PCRE subsignatures from the k-th on, the other counts as they are. Counts
// above a subsignature's cap are not told apart, so the values up to it are
// all there is to try; when they are too many, it says yes.
func (l *lsigInfo) canHold(counts []uint32, k int) bool {
	rest := l.pcres[k:]
	combos := 1
	for i := range rest {
		if combos *= int(l.subCap[rest[i].sub]) + 1; combos > 64 {
			return true
		}
	}
	var buf [maxSubs]uint32
	c := buf[:len(counts)]
	copy(c, counts)
	for {
		if ok, _, _ := l.expr.eval(c); ok {
			return true
		}
		// The next combination, as an odometer.
		i := 0
		for ; i < len(rest); i++ {
			j := rest[i].sub
			if c[j] < l.subCap[j] {
				c[j]++
				break
			}
			c[j] = 0
		}
		if i == len(rest) {
			return false
		}
	}
}

// runPCRE returns how many times p matches the content, counting up to
// limit (beyond which the expression cannot tell counts apart).
func (sc *scan) runPCRE(p *pcreSub, limit uint32) (uint32, error) {
	size := sc.v.size
	var start, shift int64
	anyOff := p.off.Kind == sigfile.OffAny
	if !anyOff {
		lo, hi, ok := sc.startRange(p.off)
		if !ok {
			return 0, nil
		}
		start, shift = lo, hi-lo
		if p.off.MaxShift < 0 {
			shift = 0
		}
	}
	if start >= size {
		return 0, nil
	}
	length := size - start
	if p.flags.encompass && shift > 0 {
		length = min(shift, length)
	}
	re := p.re
	if !p.flags.rolling && shift == 0 && !anyOff {
		re = p.reAt
	}
	data, err := sc.d.contentBytes()
	if err != nil {
		return 0, err
	}
	if p.lits != nil {
		var lower []byte
		if p.lits.fold {
			lower = sc.d.contentLower()[start : start+length]
		}
		if !p.lits.in(data[start:start+length], lower) {
			return 0, nil
		}
	}
	if p.run.n > 0 && !p.run.in(data[start:start+length]) {
		return 0, nil
	}
	subject := sc.d.contentRunes()[start : start+length]
	if p.split != nil && re == p.re {
		at := p.split.find(subject)
		if at < 0 || (!p.flags.encompass && shift > 0 && int64(at) > shift) {
			return 0, nil
		}
		return 1, nil
	}
	var n uint32
	at := 0
	for {
		m, err := re.FindRunesMatchStartingAt(subject, at)
		if err != nil || m == nil {
			// A search that gives up (time, stack) is no match, as in
			// ClamAV when PCRE2 hits its limits.
			return n, nil
		}
		if !p.flags.encompass && shift > 0 && int64(m.RuneIndex) > shift {
			return n, nil // starts past offset+shift
		}
		n++
		end := m.RuneIndex + m.RuneLength
		if !p.flags.global || end >= len(subject) || n >= limit {
			return n, nil
		}
		if end == at && m.RuneLength == 0 {
			end++ // an empty match: move on
		}
		at = end
	}
}
