package unpack

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"testing"

	"github.com/sigtool/sigtool/internal/ole2build"
)

// The compound files and VBA projects of the tests, written by ole2build.

type cfbFile struct {
	path string // "Storage/Sub/Name"
	data []byte
}

func buildCFB(t testing.TB, files []cfbFile) *ole2build.Layout {
	t.Helper()
	streams := make([]ole2build.Stream, len(files))
	for i, f := range files {
		streams[i] = ole2build.Stream{Path: f.path, Data: f.data}
	}
	return ole2build.Build(streams)
}

func compressVBA(src []byte) []byte { return ole2build.CompressVBA(src) }

// vbaDirStream is a dir stream naming modules, each with its source at
// offset 0 of its stream.
func vbaDirStream(modules ...string) []byte {
	var ms []ole2build.Module
	for _, m := range modules {
		ms = append(ms, ole2build.Module{Name: m})
	}
	return ole2build.DirStream(ms...)
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
