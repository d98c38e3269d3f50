package ole2build

import (
	"encoding/binary"
	"strings"
	"unicode/utf16"
)

var magic = []byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}

const (
	endOfChain = 0xfffffffe
	noStream   = 0xffffffff
	fatSector  = 0xfffffffd

	kindStorage = 1
	kindStream  = 2
	kindRoot    = 5
)

// Stream is one stream of a compound file.
type Stream struct {
	Path string // "Storage/Sub/Name"
	Data []byte
}

// Layout is a built compound file and where its parts went.
type Layout struct {
	Data  []byte
	Start map[string]uint32 // stream path -> first sector (or mini sector)
	FATAt int64             // file offset of the first FAT sector
}

// SetFAT rewrites FAT entry i in the built file (to damage a chain).
func (l *Layout) SetFAT(i, v uint32) {
	binary.LittleEndian.PutUint32(l.Data[l.FATAt+4*int64(i):], v)
}

// Build lays out files as a version-3 compound file with 512-byte
// sectors, streams under 4096 bytes in the mini stream, as Office does.
// Storages are made for every directory of a path.
func Build(files []Stream) *Layout {
	type node struct {
		name     string
		kind     byte
		data     []byte
		children []int
		start    uint32
		size     uint32
		path     string
		right    int
	}
	nodes := []node{{name: "Root Entry", kind: kindRoot}}
	storage := map[string]int{"": 0}
	var dirOf func(p string) int
	dirOf = func(p string) int {
		if i, ok := storage[p]; ok {
			return i
		}
		parent, name := "", p
		if k := strings.LastIndex(p, "/"); k >= 0 {
			parent, name = p[:k], p[k+1:]
		}
		pi := dirOf(parent)
		nodes = append(nodes, node{name: name, kind: kindStorage})
		i := len(nodes) - 1
		nodes[pi].children = append(nodes[pi].children, i)
		storage[p] = i
		return i
	}
	for _, f := range files {
		parent, name := "", f.Path
		if k := strings.LastIndex(f.Path, "/"); k >= 0 {
			parent, name = f.Path[:k], f.Path[k+1:]
		}
		pi := dirOf(parent)
		nodes = append(nodes, node{name: name, kind: kindStream, data: f.Data, path: f.Path})
		nodes[pi].children = append(nodes[pi].children, len(nodes)-1)
	}

	// Mini stream: every small stream, 64-byte aligned.
	var mini []byte
	var miniFat []uint32
	for i := range nodes {
		n := &nodes[i]
		if n.kind != kindStream || len(n.data) >= 4096 || len(n.data) == 0 {
			continue
		}
		n.start, n.size = uint32(len(mini)/64), uint32(len(n.data))
		cnt := (len(n.data) + 63) / 64
		for k := 0; k < cnt; k++ {
			next := uint32(len(miniFat) + 1)
			if k == cnt-1 {
				next = endOfChain
			}
			miniFat = append(miniFat, next)
		}
		mini = append(mini, n.data...)
		mini = append(mini, make([]byte, cnt*64-len(n.data))...)
	}
	sectorsFor := func(n int) int { return (n + 511) / 512 }
	dirSects := sectorsFor(len(nodes) * 128)
	miniFatSects := sectorsFor(len(miniFat) * 4)
	miniSects := sectorsFor(len(mini))
	bigSects := 0
	for _, n := range nodes {
		if n.kind == kindStream && len(n.data) >= 4096 {
			bigSects += sectorsFor(len(n.data))
		}
	}
	other := dirSects + miniFatSects + miniSects + bigSects
	fatSects := 1
	for (other+fatSects+127)/128 > fatSects {
		fatSects++
	}
	total := fatSects + other
	fat := make([]uint32, fatSects*128)
	for i := range fat {
		fat[i] = noStream
	}
	for i := 0; i < fatSects; i++ {
		fat[i] = fatSector
	}
	next := uint32(fatSects)
	alloc := func(cnt int) uint32 {
		if cnt == 0 {
			return endOfChain
		}
		first := next
		for k := 0; k < cnt; k++ {
			if k == cnt-1 {
				fat[next] = endOfChain
			} else {
				fat[next] = next + 1
			}
			next++
		}
		return first
	}
	dirStart := alloc(dirSects)
	miniFatStart := alloc(miniFatSects)
	miniStart := alloc(miniSects)
	nodes[0].start, nodes[0].size = miniStart, uint32(len(mini))
	if len(mini) == 0 {
		nodes[0].start = endOfChain
	}
	for i := range nodes {
		n := &nodes[i]
		if n.kind == kindStream && len(n.data) >= 4096 {
			n.start, n.size = alloc(sectorsFor(len(n.data))), uint32(len(n.data))
		} else if n.kind == kindStream && len(n.data) == 0 {
			n.start = endOfChain
		} else if n.kind == kindStorage {
			n.start = 0
		}
	}

	out := make([]byte, 512*(1+total))
	h := out[:512]
	copy(h, magic)
	binary.LittleEndian.PutUint16(h[0x18:], 0x3e)
	binary.LittleEndian.PutUint16(h[0x1a:], 3)
	binary.LittleEndian.PutUint16(h[0x1c:], 0xfffe)
	binary.LittleEndian.PutUint16(h[0x1e:], 9)
	binary.LittleEndian.PutUint16(h[0x20:], 6)
	binary.LittleEndian.PutUint32(h[0x2c:], uint32(fatSects))
	binary.LittleEndian.PutUint32(h[0x30:], dirStart)
	binary.LittleEndian.PutUint32(h[0x38:], 4096)
	binary.LittleEndian.PutUint32(h[0x3c:], miniFatStart)
	binary.LittleEndian.PutUint32(h[0x40:], uint32(miniFatSects))
	binary.LittleEndian.PutUint32(h[0x44:], endOfChain)
	for i := 0; i < 109; i++ {
		v := uint32(noStream)
		if i < fatSects {
			v = uint32(i)
		}
		binary.LittleEndian.PutUint32(h[0x4c+4*i:], v)
	}
	sect := func(s uint32) []byte { return out[512*(int(s)+1):] }
	for i, v := range fat {
		binary.LittleEndian.PutUint32(out[512+4*i:], v)
	}
	// Directory: each storage's children as a chain of right siblings.
	for i := range nodes {
		nodes[i].right = -1
	}
	for _, n := range nodes {
		for k := 0; k+1 < len(n.children); k++ {
			nodes[n.children[k]].right = n.children[k+1]
		}
	}
	for i := range nodes {
		n := nodes[i]
		e := sect(dirStart)[128*i : 128*i+128]
		u := utf16.Encode([]rune(n.name))
		for k, c := range u {
			binary.LittleEndian.PutUint16(e[2*k:], c)
		}
		binary.LittleEndian.PutUint16(e[0x40:], uint16(2*len(u)+2))
		e[0x42], e[0x43] = n.kind, 1
		binary.LittleEndian.PutUint32(e[0x44:], noStream)
		binary.LittleEndian.PutUint32(e[0x48:], noStream)
		binary.LittleEndian.PutUint32(e[0x4c:], noStream)
		if len(n.children) > 0 {
			binary.LittleEndian.PutUint32(e[0x4c:], uint32(n.children[0]))
		}
		if n.right >= 0 {
			binary.LittleEndian.PutUint32(e[0x48:], uint32(n.right))
		}
		binary.LittleEndian.PutUint32(e[0x74:], n.start)
		binary.LittleEndian.PutUint32(e[0x78:], n.size)
	}
	for i := len(nodes); i < dirSects*4; i++ { // unused entries
		e := sect(dirStart)[128*i:]
		binary.LittleEndian.PutUint32(e[0x44:], noStream)
		binary.LittleEndian.PutUint32(e[0x48:], noStream)
		binary.LittleEndian.PutUint32(e[0x4c:], noStream)
	}
	for i, v := range miniFat {
		binary.LittleEndian.PutUint32(sect(miniFatStart)[4*i:], v)
	}
	for k := miniFatSects * 128; k > len(miniFat); k-- {
		binary.LittleEndian.PutUint32(sect(miniFatStart)[4*(k-1):], noStream)
	}
	if len(mini) > 0 {
		copy(sect(miniStart), mini)
	}
	l := &Layout{Start: map[string]uint32{}, FATAt: 512}
	for _, n := range nodes {
		if n.kind == kindStream {
			if len(n.data) >= 4096 {
				copy(sect(n.start), n.data)
			}
			l.Start[n.path] = n.start
		}
	}
	l.Data = out
	return l
}
