package matcher

import (
	"encoding/hex"
	"fmt"
	"math/rand/v2"

	"github.com/sigtool/sigtool/sigfile"
)

// Deterministic signature generators for benchmarks and differential tests,
// here and in other packages. Every generated name starts with
// "Sigtool.Gen." so a report can never be mistaken for a real detection.
// The signatures are valid ClamAV syntax (every part has two consecutive
// fixed bytes), use random bytes, and so essentially never match random
// or real data; tests plant their bytes in data to make them match.

// GenerateBodySigs returns n .ndb lines, the same for the same seed.
func GenerateBodySigs(n int, seed uint64) []string {
	out := make([]string, 0, n)
	genBodySigs(n, seed, func(line string, _ sigfile.Entry) { out = append(out, line) })
	return out
}

// GenerateHashSigs returns n hash-signature lines ("HASH:SIZE:NAME"): about
// 70% MD5, 10% SHA-1 and 20% SHA-256, as a mix of .hdb and .hsb content.
func GenerateHashSigs(n int, seed uint64) []string {
	out := make([]string, 0, n)
	genHashSigs(n, seed, func(line string, _ sigfile.Entry) { out = append(out, line) })
	return out
}

// GenerateCutBodySigs is GenerateBodySigs where share percent of the
// signatures (those whose index mod 100 is below share) are strings cut
// from src, real files, as real signatures are: runs of code and data
// that other real files may share, unlike random bytes. Such names start
// with "Sigtool.Gen.Cut-". A caller that scans real files removes those
// that match clean ones, as a signature author would.
func GenerateCutBodySigs(n int, seed uint64, src [][]byte, share int) []string {
	out := make([]string, 0, n)
	r := rand.New(rand.NewPCG(seed, 0xc07))
	genBodySigs(n, seed, func(line string, e sigfile.Entry) {
		if i := len(out); i%100 < share && len(src) > 0 {
			if p, ok := cutPattern(r, src); ok {
				line = fmt.Sprintf("Sigtool.Gen.Cut-%07d:0:*:%s", i, p)
			}
		}
		out = append(out, line)
	})
	return out
}

// cutPattern cuts one part of 16-32 bytes from a random place of a random
// file of src, or two such parts from one place with the gap between
// them; a run with fewer than 8 distinct bytes (padding, tables of zeros)
// is passed over, as an author would.
func cutPattern(r *rand.Rand, src [][]byte) (string, bool) {
	for range 64 {
		f := src[r.IntN(len(src))]
		n1, n2, gap := 16+r.IntN(17), 0, 0
		if r.IntN(10) >= 7 {
			n2, gap = 16+r.IntN(17), r.IntN(48)
		}
		total := n1 + gap + n2
		if len(f) < total {
			continue
		}
		o := r.IntN(len(f) - total + 1)
		a, b := f[o:o+n1], f[o+n1+gap:o+total]
		if distinct(a) < 8 || (n2 > 0 && distinct(b) < 8) {
			continue
		}
		if n2 == 0 {
			return hex.EncodeToString(a), true
		}
		return fmt.Sprintf("%x{%d-%d}%x", a, max(0, gap-4), gap+16, b), true
	}
	return "", false
}

func distinct(b []byte) int {
	var seen [256]bool
	n := 0
	for _, c := range b {
		if !seen[c] {
			seen[c], n = true, n+1
		}
	}
	return n
}

// genBodySigs calls fn with each generated line and its parsed form, so a
// benchmark can add hundreds of thousands without holding them all.
func genBodySigs(n int, seed uint64, fn func(line string, e sigfile.Entry)) {
	r := rand.New(rand.NewPCG(seed, 0x5167))
	for i := range n {
		s := &sigfile.BodySig{Name: fmt.Sprintf("Sigtool.Gen.Body-%07d", i), Offset: sigfile.Offset{MaxShift: sigfile.NoShift}}
		switch x := r.IntN(100); {
		case x < 3:
			s.Offset.Kind, s.Offset.N = sigfile.OffAbs, int64(r.IntN(1024))
		case x < 5:
			s.Offset.Kind, s.Offset.N = sigfile.OffEOF, int64(16+r.IntN(1024))
		}
		s.Pattern = genPattern(r)
		s.Hex = s.Pattern.String()
		line := fmt.Sprintf("%s:%d:%s:%s", s.Name, s.Target, s.Offset, s.Hex)
		fn(line, sigfile.Entry{Kind: sigfile.KindNDB, Body: s})
	}
}

// genPattern makes 1-3 parts of 6-40 elements, mostly fixed bytes with
// some nibble wildcards, "??", alternatives; gaps *, {n-m}, {-n}, {n-}.
func genPattern(r *rand.Rand) sigfile.Pattern {
	var p sigfile.Pattern
	nparts := 1
	if x := r.IntN(10); x >= 7 {
		nparts = 2 + r.IntN(2)
	}
	for pi := range nparts {
		if pi > 0 {
			var g sigfile.Gap
			switch r.IntN(4) {
			case 0:
				g = sigfile.Gap{Min: 0, Max: -1}
			case 1:
				g.Min = r.IntN(8)
				g.Max = g.Min + 1 + r.IntN(64)
			case 2:
				g = sigfile.Gap{Min: 0, Max: 1 + r.IntN(32)}
			default:
				g = sigfile.Gap{Min: 1 + r.IntN(16), Max: -1}
			}
			p.Gaps = append(p.Gaps, g)
		}
		n := 6 + r.IntN(35)
		part := make([]sigfile.Elem, 0, n)
		for len(part) < n {
			fixed := func() sigfile.Elem {
				return sigfile.Elem{Kind: sigfile.ElemByte, Byte: sigfile.ByteMatch{Value: byte(r.IntN(256)), Mask: 0xff}}
			}
			// The first and last two elements stay fixed: ClamAV wants two
			// fixed bytes in a row and so does its "too short" check.
			if len(part) < 2 || len(part) >= n-2 {
				part = append(part, fixed())
				continue
			}
			switch x := r.IntN(100); {
			case x < 88:
				part = append(part, fixed())
			case x < 92:
				part = append(part, sigfile.Elem{Kind: sigfile.ElemByte, Byte: sigfile.ByteMatch{Value: byte(r.IntN(16)) << 4, Mask: 0xf0}})
			case x < 96:
				part = append(part, sigfile.Elem{Kind: sigfile.ElemByte})
			default:
				e := sigfile.Elem{Kind: sigfile.ElemAlt}
				for range 2 + r.IntN(3) {
					e.Alts = append(e.Alts, []sigfile.ByteMatch{{Value: byte(r.IntN(256)), Mask: 0xff}})
				}
				part = append(part, e)
			}
		}
		p.Parts = append(p.Parts, part)
	}
	return p
}

func genHashSigs(n int, seed uint64, fn func(line string, e sigfile.Entry)) {
	r := rand.New(rand.NewPCG(seed, 0x4a54))
	for i := range n {
		h := &sigfile.HashSig{Name: fmt.Sprintf("Sigtool.Gen.Hash-%07d", i), Size: int64(1 + r.IntN(10<<20))}
		kind := sigfile.KindHDB
		switch x := r.IntN(10); {
		case x < 7:
			h.Type, h.Digest = sigfile.MD5, make([]byte, 16)
		case x < 8:
			h.Type, h.Digest, kind = sigfile.SHA1, make([]byte, 20), sigfile.KindHSB
		default:
			h.Type, h.Digest, kind = sigfile.SHA256, make([]byte, 32), sigfile.KindHSB
		}
		for j := range h.Digest {
			h.Digest[j] = byte(r.Uint32())
		}
		line := fmt.Sprintf("%s:%d:%s", hex.EncodeToString(h.Digest), h.Size, h.Name)
		fn(line, sigfile.Entry{Kind: kind, Hash: h})
	}
}
