package matcher

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/sigtool/sigtool/filetype"
	"github.com/sigtool/sigtool/sigfile"
)

// maxSubs is ClamAV's limit of subsignatures per logical signature; it also
// lets a node's set of matched subsignatures be one uint64.
const maxSubs = 64

type exprNode struct {
	op    sigfile.ExprOp
	index int
	args  []exprNode
	count sigfile.CountOp
	x, y  int
}

type lrange struct {
	set      bool
	min, max int64
}

func (r lrange) ok(v int64) bool { return !r.set || (v >= r.min && v <= r.max) }

func toRange(r *sigfile.Range) lrange {
	if r == nil {
		return lrange{}
	}
	return lrange{set: true, min: r.Min, max: r.Max}
}

type lsigInfo struct {
	name     uint32
	expr     exprNode
	nsubs    int
	target   uint8
	fileSize lrange
	ep       lrange
	nsect    lrange
	// subCap[i] is the count of subsignature i above which the expression
	// cannot tell the difference (subCaps): 1 for one that is only tested
	// for a match, so that its candidates stop at its first match.
	subCap []uint32
	slot   uint32 // first of its nsubs count slots in a scan (scan.lsCount)
	pcres  []pcreSub
	// pcreAtZero: some PCRE's trigger holds when nothing matched.
	pcreAtZero bool
	// container is the type the content's container must have when
	// hasContainer; intermediates are the types of the containers above
	// the content, outermost first (Any matches any); handler, when not
	// Any, is a HandlerType: a match asks for a rescan as that type.
	container     filetype.Type
	hasContainer  bool
	intermediates []filetype.Type
	handler       filetype.Type
}

// compileExpr copies e, checking indexes against nsubs.
func compileExpr(e *sigfile.Expr, nsubs, depth int) (exprNode, error) {
	if e == nil {
		return exprNode{}, fmt.Errorf("%w: missing expression", ErrBadSignature)
	}
	if depth > 100 {
		return exprNode{}, fmt.Errorf("%w: expression nested too deep", ErrBadSignature)
	}
	n := exprNode{op: e.Op, index: e.Index, count: e.Count, x: e.X, y: e.Y}
	if e.Count != sigfile.CountNone && e.X < 0 {
		return n, fmt.Errorf("%w: negative count %d", ErrBadSignature, e.X)
	}
	switch e.Op {
	case sigfile.ExprSub:
		if e.Index < 0 || e.Index >= nsubs {
			return n, fmt.Errorf("%w: expression uses subsignature %d of %d", ErrBadSignature, e.Index, nsubs)
		}
	case sigfile.ExprAnd, sigfile.ExprOr:
		if len(e.Args) == 0 {
			return n, fmt.Errorf("%w: empty expression group", ErrBadSignature)
		}
		for _, a := range e.Args {
			c, err := compileExpr(a, nsubs, depth+1)
			if err != nil {
				return n, err
			}
			n.args = append(n.args, c)
		}
	default:
		return n, fmt.Errorf("%w: unknown expression operator %d", ErrBadSignature, e.Op)
	}
	return n, nil
}

// subCaps returns, for each of the nsubs subsignatures, the count beyond
// which the expression cannot tell counts apart: one more than the
// largest count compared at the subsignature or at a group above it (a
// group compares the sum of what its operands count, and a sum of counts
// each capped at X+1 compares with X as the true sum does), 1 when none
// is.
func (n *exprNode) subCaps(nsubs int) []uint32 {
	caps := make([]uint32, nsubs)
	var walk func(n *exprNode, above int)
	walk = func(n *exprNode, above int) {
		if n.count != sigfile.CountNone {
			above = max(above, n.x)
		}
		if n.op == sigfile.ExprSub {
			caps[n.index] = max(caps[n.index], uint32(min(above+1, math.MaxUint32)))
			return
		}
		for i := range n.args {
			walk(&n.args[i], above)
		}
	}
	walk(n, 0)
	for i, c := range caps {
		caps[i] = max(c, 1)
	}
	return caps
}

// eval evaluates the node as ClamAV's evaluator (cli_ac_chklsig) does and
// returns whether it holds, its match count and the set of subsignatures
// below it that count. Its rules, which a count condition makes visible:
//   - An index holds when it matched, or, with a count, when the count
//     compares right: then it counts its matches (maybe none: "0<2" holds
//     for a subsignature that never matched) and itself.
//   - An operator node that does not hold counts nothing; one that holds
//     counts what its operands that hold count.
//   - A group with a count compares what its operator counted (nothing,
//     when the operator does not hold: "(0&1)<2" holds when 1 never
//     matched), checks ",Y" against the subsignatures below it, and then
//     counts that number upward but no subsignatures: an outer ",Y" does
//     not see through an inner group's count.
//
// ",Y" on an index is ignored, as in ClamAV.
func (n *exprNode) eval(counts []uint32) (bool, int, uint64) {
	var ok bool
	var cnt int
	var ids uint64
	switch n.op {
	case sigfile.ExprSub:
		v := int(counts[n.index])
		if n.count == sigfile.CountNone {
			ok = v > 0
		} else {
			ok = compare(n.count, v, n.x)
		}
		if !ok {
			return false, 0, 0
		}
		return true, v, 1 << n.index
	case sigfile.ExprAnd:
		ok = true
		for i := range n.args {
			o, c, s := n.args[i].eval(counts)
			ok = ok && o
			cnt += c
			ids |= s
		}
	case sigfile.ExprOr:
		for i := range n.args {
			o, c, s := n.args[i].eval(counts)
			ok = ok || o
			cnt += c
			ids |= s
		}
	}
	if !ok {
		cnt, ids = 0, 0
	}
	if n.count == sigfile.CountNone {
		return ok, cnt, ids
	}
	if !compare(n.count, cnt, n.x) || (n.y > 0 && bits.OnesCount64(ids) < n.y) {
		return false, 0, 0
	}
	return true, cnt, 0
}

func compare(op sigfile.CountOp, v, x int) bool {
	switch op {
	case sigfile.CountEq:
		return v == x
	case sigfile.CountGt:
		return v > x
	case sigfile.CountLt:
		return v < x
	}
	return false
}

// tdbOK checks the conditions of a logical signature's target block on
// the content: its target, size, executable layout and where it was found.
func (sc *scan) tdbOK(l *lsigInfo) bool {
	if !sc.targetOK(l.target) || !l.fileSize.ok(sc.v.size) {
		return false
	}
	if l.ep.set || l.nsect.set {
		if sc.exe == nil || !sc.exe.ok {
			return false
		}
		if l.ep.set && !l.ep.ok(sc.exe.ep) {
			return false
		}
		if l.nsect.set && !l.nsect.ok(int64(len(sc.exe.secs))) {
			return false
		}
	}
	cs := sc.d.info.Containers
	if l.hasContainer {
		parent := filetype.Any // the top of a scan has no container
		if len(cs) > 0 {
			parent = cs[len(cs)-1]
		}
		if parent != l.container {
			return false
		}
	}
	if n := len(l.intermediates); n > 0 {
		if len(cs) < n {
			return false
		}
		for i, t := range l.intermediates {
			if t != filetype.Any && t != cs[len(cs)-n+i] {
				return false
			}
		}
	}
	return true
}

// lsigReason says why a logical signature cannot be evaluated, or "".
func lsigReason(l *sigfile.LogicalSig) Reason {
	t := &l.TDB
	if t.EngineMin > sigfile.FLevel || (t.EngineMax != 0 && t.EngineMax < sigfile.FLevel) {
		return ReasonFLevel
	}
	if !knownTarget(t.Target) {
		return ReasonTarget
	}
	if len(t.Other) > 0 {
		return ReasonTDB
	}
	if t.IconGroup1 != "" || t.IconGroup2 != "" {
		return ReasonIcon
	}
	for i := range l.Subs {
		s := &l.Subs[i]
		switch s.Kind {
		case sigfile.SubByteCmp:
			return ReasonByteCmp
		case sigfile.SubMacro:
			return ReasonMacro
		case sigfile.SubFuzzyImg:
			return ReasonFuzzy
		}
		if s.Offset.Kind == sigfile.OffMacro {
			return ReasonOffset
		}
	}
	return ""
}

// tdbTypes fills in the file-type conditions of a target block.
func (l *lsigInfo) tdbTypes(t *sigfile.TargetBlock) error {
	parse := func(key, name string) (filetype.Type, error) {
		ft, ok := filetype.Parse(name)
		if !ok {
			return 0, fmt.Errorf("%w: %s: unknown file type %q", ErrBadSignature, key, name)
		}
		return ft, nil
	}
	var err error
	if t.Container != "" {
		if l.container, err = parse("Container", t.Container); err != nil {
			return err
		}
		l.hasContainer = true
	}
	for _, name := range t.Intermediates {
		ft, err := parse("Intermediates", name)
		if err != nil {
			return err
		}
		l.intermediates = append(l.intermediates, ft)
	}
	if t.HandlerType != "" {
		if l.handler, err = parse("HandlerType", t.HandlerType); err != nil {
			return err
		}
	}
	return nil
}
