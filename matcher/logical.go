package matcher

import (
	"fmt"
	"math/bits"

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
	cap      uint32 // counts above this cannot change the verdict
	slot     uint32 // first of its nsubs count slots in a scan (scan.lsCount)
}

// compileExpr copies e, checking indexes against nsubs, and returns the
// largest count it compares against.
func compileExpr(e *sigfile.Expr, nsubs, depth int) (exprNode, int, error) {
	if e == nil {
		return exprNode{}, 0, fmt.Errorf("%w: missing expression", ErrBadSignature)
	}
	if depth > 100 {
		return exprNode{}, 0, fmt.Errorf("%w: expression nested too deep", ErrBadSignature)
	}
	n := exprNode{op: e.Op, index: e.Index, count: e.Count, x: e.X, y: e.Y}
	hi := 0
	if e.Count != sigfile.CountNone {
		if e.X < 0 {
			return n, 0, fmt.Errorf("%w: negative count %d", ErrBadSignature, e.X)
		}
		hi = e.X
	}
	switch e.Op {
	case sigfile.ExprSub:
		if e.Index < 0 || e.Index >= nsubs {
			return n, 0, fmt.Errorf("%w: expression uses subsignature %d of %d", ErrBadSignature, e.Index, nsubs)
		}
	case sigfile.ExprAnd, sigfile.ExprOr:
		if len(e.Args) == 0 {
			return n, 0, fmt.Errorf("%w: empty expression group", ErrBadSignature)
		}
		for _, a := range e.Args {
			c, h, err := compileExpr(a, nsubs, depth+1)
			if err != nil {
				return n, 0, err
			}
			n.args = append(n.args, c)
			hi = max(hi, h)
		}
	default:
		return n, 0, fmt.Errorf("%w: unknown expression operator %d", ErrBadSignature, e.Op)
	}
	return n, hi, nil
}

// eval returns whether the node holds, its match count and the set of
// subsignatures that matched below it.
func (n *exprNode) eval(counts []uint32) (bool, int, uint64) {
	var ok bool
	var cnt int
	var ids uint64
	switch n.op {
	case sigfile.ExprSub:
		cnt = int(counts[n.index])
		ok = cnt > 0
		if ok {
			ids = 1 << n.index
		}
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
	switch n.count {
	case sigfile.CountEq:
		ok = cnt == n.x
	case sigfile.CountGt:
		ok = cnt > n.x
	case sigfile.CountLt:
		ok = cnt < n.x
	}
	if n.count != sigfile.CountNone && n.y >= 0 && ok {
		ok = bits.OnesCount64(ids) >= n.y
	}
	return ok, cnt, ids
}

// tdbOK checks the file-level conditions of a logical signature.
func (sc *scan) tdbOK(l *lsigInfo) bool {
	if !sc.targetOK(l.target) || !l.fileSize.ok(sc.v.size) {
		return false
	}
	if l.ep.set {
		if sc.exe == nil || sc.exe.ep < 0 || !l.ep.ok(sc.exe.ep) {
			return false
		}
	}
	if l.nsect.set {
		if sc.exe == nil || !l.nsect.ok(int64(len(sc.exe.secs))) {
			return false
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
	if !nativeTarget(t.Target) {
		return ReasonTarget
	}
	if t.HandlerType != "" {
		return ReasonHandler
	}
	if t.Container != "" || len(t.Intermediates) > 0 || t.IconGroup1 != "" || t.IconGroup2 != "" || len(t.Other) > 0 {
		return ReasonTDB
	}
	for i := range l.Subs {
		s := &l.Subs[i]
		switch s.Kind {
		case sigfile.SubPCRE:
			return ReasonPCRE
		case sigfile.SubByteCmp:
			return ReasonByteCmp
		case sigfile.SubMacro:
			return ReasonMacro
		case sigfile.SubFuzzyImg:
			return ReasonFuzzy
		}
		if s.Offset.Kind == sigfile.OffVersionInfo || s.Offset.Kind == sigfile.OffMacro {
			return ReasonOffset
		}
	}
	return ""
}
