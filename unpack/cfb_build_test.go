package unpack

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"strings"
	"testing"
	"unicode/utf16"
)

// A compound file writer (MS-CFB, version 3, 512-byte sectors) for tests:
// enough to lay out storages and streams as Office does, with streams under
// 4096 bytes in the mini stream, so that our reader and ClamAV's see the
// same files.

type cfbFile struct {
	path string // "Storage/Sub/Name"
	data []byte
}

type cfbLayout struct {
	data  []byte
	start map[string]uint32 // stream path -> first sector (or mini sector)
	fatAt int64             // file offset of the first FAT sector
}

// setFAT rewrites FAT entry i in the built file.
func (l *cfbLayout) setFAT(i, v uint32) {
	binary.LittleEndian.PutUint32(l.data[l.fatAt+4*int64(i):], v)
}

func buildCFB(t testing.TB, files []cfbFile) *cfbLayout {
	t.Helper()
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
	nodes := []node{{name: "Root Entry", kind: cfbRoot}}
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
		nodes = append(nodes, node{name: name, kind: cfbStorage})
		i := len(nodes) - 1
		nodes[pi].children = append(nodes[pi].children, i)
		storage[p] = i
		return i
	}
	for _, f := range files {
		parent, name := "", f.path
		if k := strings.LastIndex(f.path, "/"); k >= 0 {
			parent, name = f.path[:k], f.path[k+1:]
		}
		pi := dirOf(parent)
		nodes = append(nodes, node{name: name, kind: cfbStream, data: f.data, path: f.path})
		nodes[pi].children = append(nodes[pi].children, len(nodes)-1)
	}

	// Mini stream: every small stream, 64-byte aligned.
	var mini []byte
	var miniFat []uint32
	for i := range nodes {
		n := &nodes[i]
		if n.kind != cfbStream || len(n.data) >= 4096 || len(n.data) == 0 {
			continue
		}
		n.start, n.size = uint32(len(mini)/64), uint32(len(n.data))
		cnt := (len(n.data) + 63) / 64
		for k := 0; k < cnt; k++ {
			next := uint32(len(miniFat) + 1)
			if k == cnt-1 {
				next = cfbEndOfChain
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
		if n.kind == cfbStream && len(n.data) >= 4096 {
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
		fat[i] = cfbNoStream
	}
	for i := 0; i < fatSects; i++ {
		fat[i] = 0xfffffffd
	}
	next := uint32(fatSects)
	alloc := func(cnt int) uint32 {
		if cnt == 0 {
			return cfbEndOfChain
		}
		first := next
		for k := 0; k < cnt; k++ {
			if k == cnt-1 {
				fat[next] = cfbEndOfChain
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
		nodes[0].start = cfbEndOfChain
	}
	for i := range nodes {
		n := &nodes[i]
		if n.kind == cfbStream && len(n.data) >= 4096 {
			n.start, n.size = alloc(sectorsFor(len(n.data))), uint32(len(n.data))
		} else if n.kind == cfbStream && len(n.data) == 0 {
			n.start = cfbEndOfChain
		} else if n.kind == cfbStorage {
			n.start = 0
		}
	}

	out := make([]byte, 512*(1+total))
	h := out[:512]
	copy(h, magicOLE2)
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
	binary.LittleEndian.PutUint32(h[0x44:], cfbEndOfChain)
	for i := 0; i < 109; i++ {
		v := uint32(cfbNoStream)
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
		binary.LittleEndian.PutUint32(e[0x44:], cfbNoStream)
		binary.LittleEndian.PutUint32(e[0x48:], cfbNoStream)
		binary.LittleEndian.PutUint32(e[0x4c:], cfbNoStream)
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
		binary.LittleEndian.PutUint32(e[0x44:], cfbNoStream)
		binary.LittleEndian.PutUint32(e[0x48:], cfbNoStream)
		binary.LittleEndian.PutUint32(e[0x4c:], cfbNoStream)
	}
	for i, v := range miniFat {
		binary.LittleEndian.PutUint32(sect(miniFatStart)[4*i:], v)
	}
	for k := miniFatSects * 128; k > len(miniFat); k-- {
		binary.LittleEndian.PutUint32(sect(miniFatStart)[4*(k-1):], cfbNoStream)
	}
	if len(mini) > 0 {
		copy(sect(miniStart), mini)
	}
	l := &cfbLayout{start: map[string]uint32{}, fatAt: 512}
	for _, n := range nodes {
		if n.kind == cfbStream {
			if len(n.data) >= 4096 {
				copy(sect(n.start), n.data)
			}
			l.start[n.path] = n.start
		}
	}
	l.data = out
	return l
}

// ole10NativeStream wraps a file as an OLE1 package stream.
func ole10NativeStream(name string, data []byte) []byte {
	var b bytes.Buffer
	le := func(v uint32) { binary.Write(&b, binary.LittleEndian, v) }
	b.Write([]byte{2, 0})
	b.WriteString(name + "\x00")
	b.WriteString(`C:\` + name + "\x00")
	b.Write([]byte{0, 0, 3, 0})
	le(uint32(len(`C:\`+name) + 1))
	b.WriteString(`C:\` + name + "\x00")
	le(uint32(len(data)))
	b.Write(data)
	out := make([]byte, 4, 4+b.Len())
	binary.LittleEndian.PutUint32(out, uint32(b.Len()))
	return append(out, b.Bytes()...)
}

// compressVBA writes an MS-OVBA CompressedContainer with a greedy matcher:
// the inverse of decompressVBA, for building VBA projects.
func compressVBA(src []byte) []byte {
	out := []byte{1}
	for cs := 0; cs < len(src); cs += 4096 {
		chunk := src[cs:min(cs+4096, len(src))]
		var body []byte
		for i := 0; i < len(chunk); {
			flagAt := len(body)
			body = append(body, 0)
			for bit := 0; bit < 8 && i < len(chunk); bit++ {
				bits := 4
				for (1 << bits) < i {
					bits++
				}
				maxLen := (0xffff >> bits) + 3
				bestLen, bestOff := 0, 0
				for off := 1; off <= i && off <= 1<<bits; off++ {
					l := 0
					for l < maxLen && i+l < len(chunk) && chunk[i+l] == chunk[i-off+l] {
						l++
					}
					if l > bestLen {
						bestLen, bestOff = l, off
					}
				}
				if bestLen >= 3 {
					tok := uint16((bestOff-1)<<(16-bits) | (bestLen - 3))
					body[flagAt] |= 1 << bit
					body = binary.LittleEndian.AppendUint16(body, tok)
					i += bestLen
				} else {
					body = append(body, chunk[i])
					i++
				}
			}
		}
		hdr := uint16(0xb000) | uint16(len(body)+2-3)
		out = binary.LittleEndian.AppendUint16(out, hdr)
		out = append(out, body...)
	}
	return out
}

// vbaDirStream is a minimal dir stream naming modules, each with its
// source at offset 0 of its stream.
func vbaDirStream(modules ...string) []byte {
	var d []byte
	rec := func(id uint16, data []byte) {
		d = binary.LittleEndian.AppendUint16(d, id)
		d = binary.LittleEndian.AppendUint32(d, uint32(len(data)))
		d = append(d, data...)
	}
	rec(0x0001, []byte{1, 0, 0, 0})                      // PROJECTSYSKIND
	d = append(d, 0x09, 0, 4, 0, 0, 0, 1, 0, 0, 0, 2, 0) // PROJECTVERSION: size says 4, 6 follow
	rec(0x0004, []byte("VBAProject"))
	for _, m := range modules {
		rec(0x0019, []byte(m))
		rec(0x001a, []byte(m))
		u := utf16.Encode([]rune(m))
		ub := make([]byte, 2*len(u))
		for i, c := range u {
			binary.LittleEndian.PutUint16(ub[2*i:], c)
		}
		rec(0x0032, ub)
		rec(0x0031, []byte{0, 0, 0, 0})
		rec(0x0021, nil)
		rec(0x002b, nil)
	}
	rec(0x0010, nil)
	return compressVBA(d)
}

func zlibBytes(data []byte) []byte {
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// pptWithObject is a PowerPoint Document stream: a container record
// holding one compressed ExOleObjStg with obj inside.
func pptWithObject(obj []byte) []byte {
	rec := func(verInst, typ uint16, body []byte) []byte {
		b := binary.LittleEndian.AppendUint16(nil, verInst)
		b = binary.LittleEndian.AppendUint16(b, typ)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(body)))
		return append(b, body...)
	}
	stg := binary.LittleEndian.AppendUint32(nil, uint32(len(obj)))
	stg = append(stg, zlibBytes(obj)...)
	inner := rec(0x0010, pptExOleObjStg, stg)
	return rec(0x000f, 0x03e8, inner) // a Document container
}
