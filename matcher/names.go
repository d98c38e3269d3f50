package matcher

import "encoding/binary"

// nameBlock is the size of one block of the name arena. Blocks are never
// reallocated, so loading millions of names never copies the ones already
// stored (a growing slice would copy them about twice over, and hold two
// copies at the moment it grows).
const nameBlock = 1 << 20

// nameGroup names share one index entry; inside a group each name is
// stored as the length of the prefix it shares with the previous name and
// the rest. Database names come in families ("Win.Trojan.Agent-1234-0",
// "Sigtool.Gen.Hash-0001234"), so 4M hash names cost ~5 bytes each
// instead of ~30 (doc.go). A name is decoded only when it is reported, or
// at Build when ignore lists are checked, from the start of its group.
const nameGroup = 16

// names is a front-coded string arena: nothing in it for the garbage
// collector to trace, and no per-name allocation.
type names struct {
	blocks [][]byte
	group  []uint32 // per nameGroup names: block<<20 | offset of the first
	n      int
	prev   []byte // the last name added
}

// maxName bounds a stored name; ClamAV's own limit is far lower.
const maxName = 1 << 12

func (n *names) add(s string) uint32 {
	if len(s) > maxName {
		s = s[:maxName]
	}
	shared := 0
	if n.n%nameGroup != 0 {
		for shared < len(s) && shared < len(n.prev) && s[shared] == n.prev[shared] {
			shared++
		}
	}
	var hdr [2 * binary.MaxVarintLen16]byte
	h := binary.PutUvarint(hdr[:], uint64(shared))
	h += binary.PutUvarint(hdr[h:], uint64(len(s)-shared))
	need := h + len(s) - shared
	if len(n.blocks) == 0 || len(n.blocks[len(n.blocks)-1])+need > nameBlock {
		n.blocks = append(n.blocks, make([]byte, 0, nameBlock))
	}
	bi := len(n.blocks) - 1
	b := n.blocks[bi]
	if n.n%nameGroup == 0 {
		n.group = append(n.group, uint32(bi)<<20|uint32(len(b)))
	}
	b = append(b, hdr[:h]...)
	n.blocks[bi] = append(b, s[shared:]...)
	n.prev = append(n.prev[:0], s...)
	n.n++
	return uint32(n.n - 1)
}

// appendName appends name i to dst. Entries never span blocks: at the end
// of a block the group continues at the start of the next.
func (n *names) appendName(dst []byte, i uint32) []byte {
	g := n.group[i/nameGroup]
	bi, off := int(g>>20), int(g&(nameBlock-1))
	start := len(dst)
	for k := uint32(0); ; k++ {
		if off == len(n.blocks[bi]) {
			bi, off = bi+1, 0
		}
		b := n.blocks[bi]
		shared, h1 := binary.Uvarint(b[off:])
		rest, h2 := binary.Uvarint(b[off+h1:])
		off += h1 + h2
		dst = append(dst[:start+int(shared)], b[off:off+int(rest)]...)
		off += int(rest)
		if k == i%nameGroup {
			return dst
		}
	}
}

func (n *names) bytes(i uint32) []byte { return n.appendName(nil, i) }

func (n *names) get(i uint32) string { return string(n.appendName(nil, i)) }

// done drops what only adding needs, and the unused end of the last
// block, which a small Segment would otherwise keep mostly empty.
func (n *names) done() {
	n.prev = nil
	if k := len(n.blocks); k > 0 {
		n.blocks[k-1] = trim(n.blocks[k-1])
	}
}
