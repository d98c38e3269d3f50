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
	}
	pat, err := translatePCRE(s.Regex, p.flags)
	if err != nil {
		return p, err
	}
	held := `\G(?:` + pat + `)`
	if p.flags.anchored {
		pat = held
	}
	opts := []regexp2.CompileOption{regexp2.OptionMaintainCaptureOrder()}
	if p.flags.caseless {
		opts = append(opts, regexp2.IgnoreCase) // for backreferences only (pcresyntax.go)
	}
	if p.flags.dotall {
		opts = append(opts, regexp2.Singleline)
	}
	if p.flags.multiline {
		opts = append(opts, regexp2.Multiline)
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

// pcreRunes is the content as runes 0-255, made once per Match call and
// only when some PCRE is run.
type pcreRunes struct {
	runes []rune
	err   error
	done  bool
}

func (d *detection) contentRunes() ([]rune, error) {
	pr := &d.pcre
	if pr.done {
		return pr.runes, pr.err
	}
	pr.done = true
	size := d.v.size
	var data []byte
	if d.v.off == 0 && int64(len(d.v.buf)) >= size {
		data = d.v.buf // content in memory
	} else {
		data = make([]byte, size)
		if n, err := d.v.r.ReadAt(data, 0); int64(n) < size {
			if err == nil || err == io.EOF {
				err = ErrShortRead
			}
			pr.err = fmt.Errorf("matcher: read for PCRE: %w", err)
			return nil, pr.err
		}
	}
	if int64(cap(pr.runes)) < size {
		pr.runes = make([]rune, size)
	}
	pr.runes = pr.runes[:size]
	for i, b := range data[:size] {
		pr.runes[i] = rune(b)
	}
	return pr.runes, nil
}

// runPCREs runs the PCRE subsignatures of the segment's logical signatures
// whose target applies.
func (sc *scan) runPCREs() error {
	s := sc.m
	if sc.v.size > pcreMaxSize {
		return nil
	}
	for _, li := range s.pcreLsigs {
		l := &s.lsigs[li]
		// A signature whose target block fails cannot match: its PCREs
		// need not run (Container:CL_TYPE_MAIL ones on every file, say).
		if s.deadLsig[li] || !sc.tdbOK(l) {
			continue
		}
		counts := sc.lsigCounts(li)
		for i := range l.pcres {
			p := &l.pcres[i]
			if p.trigger != nil {
				if ok, _, _ := p.trigger.eval(counts); !ok {
					continue
				}
			}
			n, err := sc.runPCRE(p)
			if err != nil {
				return err
			}
			counts[p.sub] += n
		}
	}
	return nil
}

// runPCRE returns how many times p matches the content.
func (sc *scan) runPCRE(p *pcreSub) (uint32, error) {
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
	all, err := sc.d.contentRunes()
	if err != nil {
		return 0, err
	}
	subject := all[start : start+length]
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
		if !p.flags.global || end >= len(subject) {
			return n, nil
		}
		if end == at && m.RuneLength == 0 {
			end++ // an empty match: move on
		}
		at = end
	}
}
