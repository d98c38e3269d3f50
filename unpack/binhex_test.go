package unpack

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// binhexFile writes a BinHex 4.0 file from the format facts in binhex.go
// (RLE only escapes 0x90 and codes runs of four or more).
func binhexFile(name string, data, rsrc []byte) []byte {
	var raw bytes.Buffer
	raw.WriteByte(byte(len(name)))
	raw.WriteString(name)
	raw.WriteByte(0)
	raw.WriteString("TEXTttxt")
	binary.Write(&raw, binary.BigEndian, uint16(0))
	binary.Write(&raw, binary.BigEndian, uint32(len(data)))
	binary.Write(&raw, binary.BigEndian, uint32(len(rsrc)))
	raw.Write([]byte{0, 0})
	raw.Write(data)
	raw.Write([]byte{0, 0})
	raw.Write(rsrc)
	raw.Write([]byte{0, 0})
	var rle []byte
	b := raw.Bytes()
	for i := 0; i < len(b); {
		c, n := b[i], 1
		for i+n < len(b) && b[i+n] == c && n < 255 {
			n++
		}
		if c == 0x90 {
			rle = append(rle, 0x90, 0)
			n = 1
		} else if n >= 4 {
			rle = append(rle, c, 0x90, byte(n))
		} else {
			n = 1
			rle = append(rle, c)
		}
		i += n
	}
	var out strings.Builder
	out.WriteString("(This file must be converted with BinHex 4.0)\n:")
	var acc uint32
	bits, col := 0, 1
	put := func(v uint32) {
		out.WriteByte(binhexAlphabet[v&63])
		if col++; col == 64 {
			out.WriteByte('\n')
			col = 0
		}
	}
	for _, c := range rle {
		acc = acc<<8 | uint32(c)
		bits += 8
		for bits >= 6 {
			bits -= 6
			put(acc >> bits)
		}
	}
	if bits > 0 {
		put(acc << (6 - bits))
	}
	out.WriteString(":\n")
	return []byte(out.String())
}

func TestBinHex(t *testing.T) {
	data := append([]byte("MZ payload \x90\x90 "), bytes.Repeat([]byte{'A'}, 300)...)
	for i := 0; i < 2000; i++ {
		data = append(data, byte(i*7%251))
	}
	file := binhexFile("evil.exe", data, []byte("resource"))
	if f := Identify(file); f != BinHex {
		t.Fatalf("Identify = %s", f)
	}
	got := map[string][]byte{}
	info, err := Walk(context.Background(), BinHex, Bytes(file), int64(len(file)), DefaultLimits(), func(m Member) error {
		b := make([]byte, m.Size)
		m.Content.ReadAt(b, 0)
		got[m.Name] = b
		return nil
	})
	if err != nil || info.MemberCount != 2 {
		t.Fatalf("Walk: %+v %v", info, err)
	}
	if !bytes.Equal(got["evil.exe"], data) || string(got["evil.exe/rsrc"]) != "resource" {
		t.Fatalf("forks %q", got)
	}
	if n := BinHexEnd(append(bytes.Clone(file), "trailing text\n"...)); n != len(file)-1 {
		t.Fatalf("BinHexEnd = %d, want %d", n, len(file)-1)
	}
	// Cut in the data fork: what was decoded is yielded, with ErrCorrupt.
	cut := file[:len(file)/2]
	var n int64
	_, err = Walk(context.Background(), BinHex, Bytes(cut), int64(len(cut)), DefaultLimits(), func(m Member) error {
		n = m.Size
		return nil
	})
	if !errors.Is(err, ErrCorrupt) || n == 0 {
		t.Fatalf("cut: %d bytes, %v", n, err)
	}
}

// TestUnopened: containers we recognise but cannot open are named, and
// Walk says their members were not scanned.
func TestUnopened(t *testing.T) {
	pe := make([]byte, 512)
	copy(pe, "MZ")
	binary.LittleEndian.PutUint32(pe[0x3c:], 0x80)
	copy(pe[0x80:], "PE\x00\x00")
	binary.LittleEndian.PutUint16(pe[0x86:], 2)    // sections
	binary.LittleEndian.PutUint16(pe[0x94:], 0xe0) // optional header size
	copy(pe[0x80+24+0xe0:], "UPX0")
	plainPE := bytes.Replace(pe, []byte("UPX0"), []byte(".text"), 1)
	for _, tt := range []struct {
		name string
		head []byte
		want Format
	}{
		{"lha", []byte("\x25\x14-lh5-\x00\x00"), Lha},
		{"ace", []byte("\x00\x00\x00\x00\x00\x00\x00**ACE**"), Ace},
		{"lha lzs", []byte("\x25\x14-lzs-\x00\x00"), Lha},
		{"not lha", []byte("\x25\x14-lh9-\x00\x00"), Unknown},
		{"stuffit", []byte("SIT!\x00\x02\x00\x00\x10\x00rLau"), StuffIt},
		{"stuffit 5", []byte("StuffIt (c)1997-2002 Aladdin Systems"), StuffIt},
		{"zoo", append([]byte("ZOO 2.10 Archive.\x1a\x00\x00"), 0xdc, 0xa7, 0xc4, 0xfd, 0x22, 0, 0, 0), Zoo},
		{"installshield cabinet", []byte("ISc(\x04\x00\x01\x00"), ISCab},
		{"plain pe", plainPE, Unknown},
		{"text", []byte("hello, this is text"), Unknown},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := Identify(tt.head)
			if f != tt.want {
				t.Fatalf("Identify = %s, want %s", f, tt.want)
			}
			if f == Unknown {
				return
			}
			if f.Opened() {
				t.Fatalf("%s reported as opened", f)
			}
			_, err := Walk(context.Background(), f, Bytes(tt.head), int64(len(tt.head)), DefaultLimits(), func(Member) error { return nil })
			if !errors.Is(err, ErrNoUnpacker) {
				t.Fatalf("Walk err = %v, want ErrNoUnpacker", err)
			}
		})
	}
}

func FuzzWalkBinHex(f *testing.F) {
	f.Add(binhexFile("clam.exe", []byte("MZ data fork"), []byte("resource fork")))
	f.Add(binhexFile("a", bytes.Repeat([]byte{0x90}, 300), nil)) // runs of 0x90, the RLE marker
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, BinHex, data) })
}
