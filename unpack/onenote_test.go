package unpack

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

var oneNoteTypeGUID = []byte{0xe4, 0x52, 0x5c, 0x7b, 0x8c, 0xd8, 0xa7, 0x4d, 0xae, 0xb1, 0x53, 0x78, 0xd0, 0x29, 0x96, 0xd3}

// buildOneNote writes a section file's header (the revision-store file
// format GUID at 48) and a FileDataStoreObject per file, with filler
// between them.
func buildOneNote(files ...[]byte) []byte {
	out := append([]byte(nil), oneNoteTypeGUID...)
	out = append(out, make([]byte, 32)...)
	out = append(out, 0x3f, 0xdd, 0x9a, 0x10, 0x1b, 0x91, 0xf5, 0x49, 0xa5, 0xd0, 0x17, 0x91, 0xed, 0xc8, 0xae, 0xd8)
	out = append(out, make([]byte, 1024-len(out))...)
	for _, f := range files {
		out = append(out, oneNoteFileGUID...)
		out = binary.LittleEndian.AppendUint64(out, uint64(len(f)))
		out = append(out, make([]byte, 12)...)
		out = append(out, f...)
		for len(out)%8 != 0 {
			out = append(out, 0)
		}
		out = append(out, 0x22, 0xa7, 0xfb, 0x71, 0x79, 0x0f, 0x0b, 0x4a, 0xbb, 0x13, 0x89, 0x92, 0x56, 0x42, 0x6b, 0x24)
		out = append(out, bytes.Repeat([]byte{0xab}, 100)...)
	}
	return out
}

func TestOneNote(t *testing.T) {
	one := buildOneNote([]byte("\x89PNG picture"), []byte("MZ embedded program"))
	if f := Identify(one); f != OneNote {
		t.Fatalf("Identify = %s", f)
	}
	members, info, err := walkAll(t, OneNote, one, DefaultLimits())
	if err != nil || len(members) != 2 || info.MemberCount != 2 {
		t.Fatalf("%v %+v", err, members)
	}
	if members[0].name != "filedata-1" || members[1].data != "MZ embedded program" {
		t.Errorf("%+v", members)
	}
	// A GUID across the search's chunk boundary is found too.
	big := buildOneNote()
	big = append(big, make([]byte, oneNoteChunk-len(big)-5)...)
	big = append(big, buildOneNote([]byte("across"))[1024:]...)
	if members, _, _ := walkAll(t, OneNote, big, DefaultLimits()); len(members) != 1 || members[0].data != "across" {
		t.Errorf("across the boundary: %+v", members)
	}
}

// TestOneNoteDamaged: a file claiming more than the section holds is a
// corrupt member with what there is; the web app's packaging is a
// container we cannot open, not an empty one.
func TestOneNoteDamaged(t *testing.T) {
	one := buildOneNote([]byte("MZ program"))
	binary.LittleEndian.PutUint64(one[1024+16:], 1<<40)
	members, _, _ := walkAll(t, OneNote, one, DefaultLimits())
	if len(members) != 1 || !errors.Is(members[0].err, ErrCorrupt) {
		t.Errorf("%+v", members)
	}
	alt := buildOneNote([]byte("MZ"))
	copy(alt[48:], oneNoteAltPackaging)
	if _, _, err := walkAll(t, OneNote, alt, DefaultLimits()); !errors.Is(err, ErrNoUnpacker) {
		t.Errorf("alternative packaging: %v", err)
	}
}

func FuzzWalkOneNote(f *testing.F) {
	f.Add(buildOneNote([]byte("MZ a"), []byte("b")))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, OneNote, data) })
}
