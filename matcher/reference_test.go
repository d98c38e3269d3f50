package matcher

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/sigtool/sigtool/sigfile"
)

// A brute-force reference matcher over the same AST, written for clarity
// only: every start position, every gap length, every alternative.

type refTok struct {
	elem     *sigfile.Elem
	edge     int // 0 middle, 1 first of its part, 2 last of its part
	skip     int // > 0: n arbitrary bytes (a merged {n} gap)
	gap      bool
	min, max int
}

func refTokens(p sigfile.Pattern) []refTok {
	var toks []refTok
	segStart := 0 // index in toks where the current merged part starts
	markEdges := func(from int) {
		var idx []int
		for i := from; i < len(toks); i++ {
			if toks[i].elem != nil {
				idx = append(idx, i)
			}
		}
		if len(idx) == 0 {
			return
		}
		// "first" only if nothing (no skip) comes before it in the part.
		if idx[0] == from {
			toks[idx[0]].edge = 1
		}
		if last := idx[len(idx)-1]; last == len(toks)-1 && toks[last].edge == 0 {
			toks[last].edge = 2
		}
	}
	for i, part := range p.Parts {
		if i > 0 {
			g := p.Gaps[i-1]
			if g.Min == g.Max && g.Min < 128 {
				if g.Min > 0 {
					toks = append(toks, refTok{skip: g.Min})
				}
			} else {
				markEdges(segStart)
				toks = append(toks, refTok{gap: true, min: g.Min, max: g.Max})
				segStart = len(toks)
			}
		}
		for j := range part {
			toks = append(toks, refTok{elem: &part[j]})
		}
	}
	markEdges(segStart)
	return toks
}

func refBoundary(b byte) byte {
	switch b {
	case '\n', '\r', '"', '\'', '=', '>':
		return 2
	case ' ', '-', '/', '_':
		return 3
	case '.', '<', '@':
		return 1
	}
	return 0
}

func refAlnum(b byte) bool {
	return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z')
}

// refMatch reports whether p matches data with a start in [lo, hi].
func refMatch(p sigfile.Pattern, data []byte, lo, hi int) bool {
	toks := refTokens(p)
	n := len(data)
	memo := map[[2]int]bool{}
	var match func(i, pos int) bool
	match = func(i, pos int) bool {
		if pos > n {
			return false
		}
		if i == len(toks) {
			return true
		}
		k := [2]int{i, pos}
		if r, ok := memo[k]; ok {
			return r
		}
		r := false
		t := toks[i]
		switch {
		case t.gap:
			max := t.max
			if max < 0 {
				max = n
			}
			for g := t.min; g <= max && !r; g++ {
				r = match(i+1, pos+g)
			}
		case t.skip > 0:
			r = match(i+1, pos+t.skip)
		default:
			for _, next := range refElem(t, data, pos) {
				if match(i+1, next) {
					r = true
					break
				}
			}
		}
		memo[k] = r
		return r
	}
	for s := max(lo, 0); s <= hi && s <= n; s++ {
		if match(0, s) {
			return true
		}
	}
	return false
}

// refElem returns the positions after matching one element at pos.
func refElem(t refTok, d []byte, pos int) []int {
	e := t.elem
	n := len(d)
	has := func(p int) bool { return p >= 0 && p < n }
	switch e.Kind {
	case sigfile.ElemByte:
		if has(pos) && d[pos]&e.Byte.Mask == e.Byte.Value&e.Byte.Mask {
			return []int{pos + 1}
		}
	case sigfile.ElemAlt:
		eq := func(a []sigfile.ByteMatch) bool {
			if pos+len(a) > n {
				return false
			}
			for i, bm := range a {
				if d[pos+i]&bm.Mask != bm.Value&bm.Mask {
					return false
				}
			}
			return true
		}
		if e.Negate {
			l := len(e.Alts[0])
			if pos+l > n {
				return nil
			}
			for _, a := range e.Alts {
				if eq(a) {
					return nil
				}
			}
			return []int{pos + l}
		}
		var out []int
		for _, a := range e.Alts {
			if eq(a) {
				out = append(out, pos+len(a))
			}
		}
		return out
	case sigfile.ElemBoundary:
		switch t.edge {
		case 1:
			if pos == 0 || refBoundary(d[pos-1])&1 != 0 {
				return []int{pos}
			}
		case 2:
			if pos == n || refBoundary(d[pos])&2 != 0 {
				return []int{pos}
			}
		default:
			if has(pos) && refBoundary(d[pos]) != 0 {
				return []int{pos + 1}
			}
		}
	case sigfile.ElemLineEnd:
		switch t.edge {
		case 1:
			if pos == 0 || d[pos-1] == '\n' {
				return []int{pos}
			}
		case 2:
			if pos == n || d[pos] == '\n' || (d[pos] == '\r' && has(pos+1) && d[pos+1] == '\n') {
				return []int{pos}
			}
		default:
			if has(pos) && d[pos] == '\n' {
				return []int{pos + 1}
			}
			if has(pos+1) && d[pos] == '\r' && d[pos+1] == '\n' {
				return []int{pos + 2}
			}
		}
	case sigfile.ElemNonAlnum:
		switch t.edge {
		case 1:
			if pos == 0 || !refAlnum(d[pos-1]) {
				return []int{pos}
			}
		case 2:
			if pos == n || !refAlnum(d[pos]) {
				return []int{pos}
			}
		default:
			if has(pos) && !refAlnum(d[pos]) {
				return []int{pos + 1}
			}
		}
	}
	return nil
}

// refRange is the start range of an offset for plain (non-executable) data.
func refRange(o sigfile.Offset, n int) (int, int, bool) {
	var base int
	switch o.Kind {
	case sigfile.OffAny:
		return 0, n, true
	case sigfile.OffAbs:
		base = int(o.N)
	case sigfile.OffEOF:
		base = n - int(o.N)
	default:
		return 0, 0, false
	}
	if base < 0 || base > n {
		return 0, 0, false
	}
	hi := base
	if o.MaxShift > 0 {
		hi += int(o.MaxShift)
	}
	return base, hi, true
}

// Random patterns over a small alphabet, so that partial matches, edges
// and backtracking happen all the time.
var alphabet = []byte("abcA1. \n\r-=\x00")

func randByte(r *rand.Rand) byte { return alphabet[r.IntN(len(alphabet))] }

func randElem(r *rand.Rand) sigfile.Elem {
	fixed := func() sigfile.ByteMatch { return sigfile.ByteMatch{Value: randByte(r), Mask: 0xff} }
	switch x := r.IntN(100); {
	case x < 60:
		return sigfile.Elem{Kind: sigfile.ElemByte, Byte: fixed()}
	case x < 64:
		return sigfile.Elem{Kind: sigfile.ElemByte, Byte: sigfile.ByteMatch{Value: randByte(r), Mask: []byte{0xf0, 0x0f, 0}[r.IntN(3)]}}
	case x < 70:
		e := sigfile.Elem{Kind: sigfile.ElemAlt, Negate: r.IntN(3) == 0}
		for range 1 + r.IntN(3) {
			e.Alts = append(e.Alts, []sigfile.ByteMatch{fixed()})
		}
		return e
	case x < 76:
		e := sigfile.Elem{Kind: sigfile.ElemAlt, Negate: r.IntN(3) == 0}
		l := 2 + r.IntN(2)
		for range 1 + r.IntN(3) {
			var a []sigfile.ByteMatch
			for range l {
				a = append(a, fixed())
			}
			e.Alts = append(e.Alts, a)
		}
		return e
	case x < 82:
		e := sigfile.Elem{Kind: sigfile.ElemAlt}
		for range 2 + r.IntN(2) {
			var a []sigfile.ByteMatch
			for range 1 + r.IntN(3) {
				a = append(a, fixed())
			}
			e.Alts = append(e.Alts, a)
		}
		return e
	case x < 88:
		return sigfile.Elem{Kind: sigfile.ElemBoundary}
	case x < 94:
		return sigfile.Elem{Kind: sigfile.ElemLineEnd}
	default:
		return sigfile.Elem{Kind: sigfile.ElemNonAlnum}
	}
}

func randPattern(r *rand.Rand) sigfile.Pattern {
	var p sigfile.Pattern
	for i := range 1 + r.IntN(3) {
		if i > 0 {
			var g sigfile.Gap
			switch r.IntN(6) {
			case 0:
				g = sigfile.Gap{Min: 0, Max: -1}
			case 1:
				g.Min = r.IntN(3)
				g.Max = g.Min + r.IntN(5)
			case 2:
				g = sigfile.Gap{Min: r.IntN(4), Max: -1}
			case 3:
				n := r.IntN(4)
				g = sigfile.Gap{Min: n, Max: n}
			case 4:
				g = sigfile.Gap{Min: 128, Max: 128}
			default:
				g = sigfile.Gap{Min: 0, Max: r.IntN(8)}
			}
			p.Gaps = append(p.Gaps, g)
		}
		var part []sigfile.Elem
		// Some parts get a long literal so the filter groups are used too.
		if r.IntN(3) == 0 {
			for range 4 + r.IntN(10) {
				part = append(part, sigfile.Elem{Kind: sigfile.ElemByte, Byte: sigfile.ByteMatch{Value: randByte(r), Mask: 0xff}})
			}
		}
		for range 1 + r.IntN(5) {
			part = append(part, randElem(r))
		}
		if r.IntN(2) == 0 {
			slices.Reverse(part)
		}
		p.Parts = append(p.Parts, part)
	}
	return p
}

func randOffset(r *rand.Rand) sigfile.Offset {
	o := sigfile.Offset{MaxShift: sigfile.NoShift}
	switch r.IntN(6) {
	case 0:
		o.Kind, o.N = sigfile.OffAbs, int64(r.IntN(20))
	case 1:
		o.Kind, o.N = sigfile.OffEOF, int64(r.IntN(40))
	}
	if o.Kind != sigfile.OffAny && r.IntN(2) == 0 {
		o.MaxShift = int64(r.IntN(30))
		if r.IntN(4) == 0 {
			o.MaxShift = directShift + 1 + int64(r.IntN(10)) // through the filter
		}
	}
	return o
}

// plant writes a random instance of p (ignoring edge conditions) into d.
func plant(r *rand.Rand, p sigfile.Pattern) []byte {
	var out []byte
	for i, part := range p.Parts {
		if i > 0 {
			g := p.Gaps[i-1]
			n := g.Min
			if g.Max < 0 {
				n += r.IntN(10)
			} else {
				n += r.IntN(g.Max - g.Min + 1)
			}
			for range n {
				out = append(out, randByte(r))
			}
		}
		for _, e := range part {
			switch e.Kind {
			case sigfile.ElemByte:
				out = append(out, e.Byte.Value&e.Byte.Mask|randByte(r)&^e.Byte.Mask)
			case sigfile.ElemAlt:
				a := e.Alts[r.IntN(len(e.Alts))]
				for _, bm := range a {
					out = append(out, bm.Value)
				}
				if e.Negate {
					out[len(out)-1] ^= 0x40
				}
			case sigfile.ElemBoundary:
				out = append(out, ' ')
			case sigfile.ElemLineEnd:
				out = append(out, '\n')
			case sigfile.ElemNonAlnum:
				out = append(out, '.')
			}
		}
	}
	return out
}

func randData(r *rand.Rand, sigs []sigfile.BodySig) []byte {
	d := make([]byte, r.IntN(300))
	for i := range d {
		d[i] = randByte(r)
	}
	for range r.IntN(3) {
		if len(sigs) == 0 {
			break
		}
		inst := plant(r, sigs[r.IntN(len(sigs))].Pattern)
		at := r.IntN(len(d) + 1)
		d = append(d[:at], append(inst, d[at:]...)...)
	}
	return d
}

// TestDifferential compares Detect with the reference on random patterns
// and data, with signatures alone and together, at several read sizes.
func TestDifferential(t *testing.T) {
	iters := 400
	if testing.Short() {
		iters = 80
	}
	r := rand.New(rand.NewPCG(1, 2))
	positives, total := 0, 0
	defer func() {
		// A differential test that never sees a match proves nothing.
		if positives < total/20 {
			t.Errorf("only %d of %d random cases matched", positives, total)
		}
		t.Logf("%d of %d random cases matched", positives, total)
	}()
	for it := range iters {
		var sigs []sigfile.BodySig
		for i := range 1 + r.IntN(8) {
			sigs = append(sigs, sigfile.BodySig{Name: fmt.Sprintf("R%d", i), Offset: randOffset(r), Pattern: randPattern(r)})
		}
		var es []sigfile.Entry
		for i := range sigs {
			es = append(es, sigfile.Entry{Kind: sigfile.KindNDB, Body: &sigs[i]})
		}
		chunk := []int{1, 3, 8, 64, defaultChunk}[r.IntN(5)]
		m := buildWith(t, chunk, es...)
		for range 8 {
			d := randData(r, sigs)
			var want []string
			for _, s := range sigs {
				if lo, hi, ok := refRange(s.Offset, len(d)); ok && refMatch(s.Pattern, d, lo, hi) {
					want = append(want, s.Name)
				}
			}
			total++
			if len(want) > 0 {
				positives++
			}
			got, err := m.Detect(context.Background(), bytes.NewReader(d), int64(len(d)))
			if err != nil {
				t.Fatal(err)
			}
			if !sameNames(got, want) {
				for _, s := range sigs {
					t.Logf("%s: %s %s", s.Name, s.Offset, s.Pattern)
				}
				t.Fatalf("iteration %d chunk %d data %q: got %v, want %v", it, chunk, d, got, want)
			}
		}
	}
}
