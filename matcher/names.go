package matcher

// nameBlock is the size of one block of the name arena. Blocks are never
// reallocated, so loading millions of names never copies the ones already
// stored (a growing slice would copy them about twice over, and hold two
// copies at the moment it grows).
const nameBlock = 1 << 20

// names is a string arena: millions of signature names cost their bytes
// plus six bytes each, and nothing for the garbage collector to trace.
type names struct {
	blocks [][]byte
	start  []uint32 // block<<20 | offset in block
	length []uint16
}

// maxName bounds a stored name; ClamAV's own limit is far lower.
const maxName = 1 << 12

func (n *names) add(s string) uint32 {
	if len(s) > maxName {
		s = s[:maxName]
	}
	if len(n.blocks) == 0 || len(n.blocks[len(n.blocks)-1])+len(s) > nameBlock {
		n.blocks = append(n.blocks, make([]byte, 0, nameBlock))
	}
	bi := len(n.blocks) - 1
	b := n.blocks[bi]
	n.start = append(n.start, uint32(bi)<<20|uint32(len(b)))
	n.length = append(n.length, uint16(len(s)))
	n.blocks[bi] = append(b, s...)
	return uint32(len(n.start) - 1)
}

func (n *names) bytes(i uint32) []byte {
	st := n.start[i]
	off := st & (nameBlock - 1)
	return n.blocks[st>>20][off : off+uint32(n.length[i])]
}

func (n *names) get(i uint32) string { return string(n.bytes(i)) }
