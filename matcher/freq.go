package matcher

import (
	_ "embed"
	"math"
	"math/bits"
)

// How common a gram is in real files. Anchors are chosen by it: a gram
// that real code or documents are full of (00000000, 6a006a00, ff15)
// makes candidates everywhere, however few variants it has, and random
// bytes (every gram as rare as any other) cannot tell. The table is of
// byte pairs learnt from real PE and ELF code, documents and text
// (gramfreq.md says which files; scripts/gramfreq.sh regenerates it); a
// gram's probability is that of a Markov chain over its pairs.
//
//go:generate sh ../scripts/gramfreq.sh
//go:embed gramfreq.bin
var gramFreqTable []byte

// pairProb[b0|b1<<8] is the probability of the pair (b0, b1); byteProb
// the probability of a byte, the pairs' marginal.
var pairProb, byteProb = func() (pp [1 << 16]float32, bp [256]float64) {
	for i, c := range gramFreqTable {
		pp[i] = float32(math.Exp2(-float64(c) / 8))
		bp[i&0xff] += float64(pp[i])
	}
	return pp, bp
}()

// probScratch.gramProb is the probability that a real file has the
// q-gram of classes cl at a given position: the sum over its values of
// P(b0 b1) times P(b_k+1 | b_k) for the rest; the caller bounds the
// variants. probScratch is its state: alpha[k&1][i] is the probability of
// the gram's first k+1 bytes ending in vals[k&1][i], the i-th value of
// class k. Kept by the Builder: zeroing 4 KB per gram was most of the
// anchor choice.
type probScratch struct {
	vals  [2][256]byte
	alpha [2][256]float64
}

func (sc *probScratch) gramProb(cl []byteClass, q int) float64 {
	vals, alpha := &sc.vals, &sc.alpha
	pn := classValues(&cl[0], &vals[0])
	for i, v := range vals[0][:pn] {
		alpha[0][i] = byteProb[v]
	}
	for k := 1; k < q; k++ {
		cur, prev := k&1, (k-1)&1
		n := classValues(&cl[k], &vals[cur])
		for i, w := range vals[cur][:n] {
			s := 0.0
			for h, v := range vals[prev][:pn] {
				s += alpha[prev][h] * float64(pairProb[uint16(v)|uint16(w)<<8]) / byteProb[v]
			}
			alpha[cur][i] = s
		}
		pn = n
	}
	p := 0.0
	for _, a := range alpha[(q-1)&1][:pn] {
		p += a
	}
	return p
}

// fixedProbs is gramProb's shortcut for the fixed bytes of a part: for
// each class of cl, its value's probability (0 when it has several
// values) and the probability of the next byte given it (cond).
type fixedProbs struct {
	first, cond []float64
	ps          probScratch
}

func (f *fixedProbs) fill(cl []byteClass) {
	f.first, f.cond = f.first[:0], f.cond[:0]
	for k := range cl {
		v, ok := cl[k].single()
		if !ok {
			f.first = append(f.first, 0)
			f.cond = append(f.cond, 0)
			continue
		}
		f.first = append(f.first, byteProb[v])
		c := 0.0
		if k+1 < len(cl) {
			if w, ok := cl[k+1].single(); ok {
				c = float64(pairProb[uint16(v)|uint16(w)<<8]) / byteProb[v]
			}
		}
		f.cond = append(f.cond, c)
	}
}

// prob is gramProb of the q-gram at cl[j:].
func (f *fixedProbs) prob(cl []byteClass, j, q int) float64 {
	p := f.first[j]
	for k := j; k < j+q-1 && p != 0; k++ {
		p *= f.cond[k]
	}
	if p != 0 {
		return p
	}
	return f.ps.gramProb(cl[j:], q)
}

// classValues lists the values of a class into vals and returns how many.
func classValues(b *byteClass, vals *[256]byte) int {
	n := 0
	for wi, word := range b.set {
		for ; word != 0; word &= word - 1 {
			vals[n] = byte(wi*64 + bits.TrailingZeros64(word))
			n++
		}
	}
	return n
}
