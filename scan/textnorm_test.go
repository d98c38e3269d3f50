package scan

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/sigtool/sigtool/unpack"
)

// normalizeSimple is normalizeText written plainly, the reference.
func normalizeSimple(in []byte) []byte {
	var out []byte
	space := false
	for _, c := range in {
		switch normAction[c] {
		case normDrop:
		case normSpace:
			if !space {
				out = append(out, ' ')
			}
			space = true
		case normLower:
			out = append(out, c+'a'-'A')
			space = false
		default:
			out = append(out, c)
			space = false
		}
	}
	return out
}

func TestNormalizeText(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cases := map[string][]byte{
		"empty":            {},
		"text":             []byte("Hello,\t\tWorld \r\n<SCRIPT>eval(X)</script>  "),
		"drop keeps a run": []byte("a \x01 b\x80\x81c"),
		"leading space":    []byte("  \x00 A"),
		// Words of eight plain bytes take the word path; the cases
		// around them the byte path, with a run of spaces across both.
		"words": []byte("ABCDEFGHijklmnop        QRSTUVWX\t\t\t\t\t\t\t\t [@`{~\x7f]!Z \x80\x80\x80\x80\x80\x80\x80\x80 tail"),
	}
	for _, n := range []int{1, 100, normChunk - 1, normChunk, 3*normChunk + 7} {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
			if i%3 == 0 {
				b[i] = " \tAz\x00"[r.IntN(5)]
			}
		}
		cases[fmt.Sprint("mixed ", n)] = b
	}
	// In memory and through ReadAt; into a fresh buffer and into a used
	// one, as the engine's pool hands them out.
	used := bytes.Repeat([]byte("used "), 4*normChunk)
	for name, in := range cases {
		for _, r := range []io.ReaderAt{unpack.Bytes(in), bytes.NewReader(in)} {
			for _, buf := range [][]byte{nil, used[:0]} {
				got, err := normalizeText(r, int64(len(in)), buf)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if want := normalizeSimple(in); !bytes.Equal(got, want) {
					t.Errorf("%s (%T): got %q, want %q", name, r, got[:min(len(got), 60)], want[:min(len(want), 60)])
				}
			}
		}
	}
}

// FuzzNormalizeText: normalizeText, in memory and through ReadAt, gives
// what normalizeSimple gives.
func FuzzNormalizeText(f *testing.F) {
	f.Add([]byte("Hello,\t\tWorld \r\n<SCRIPT>eval(X)</script>  "))
	f.Add([]byte("ABCDEFGH        @[`{\x7f\x80\x00 zzzzzzzz"))
	f.Fuzz(func(t *testing.T, in []byte) {
		want := normalizeSimple(in)
		for _, r := range []io.ReaderAt{unpack.Bytes(in), bytes.NewReader(in)} {
			got, err := normalizeText(r, int64(len(in)), nil)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%T: got %q, want %q", r, got, want)
			}
		}
	})
}

// BenchmarkNormalizeText: random bytes (mostly dropped, the byte path)
// and prose (the repository's README, mostly words of plain bytes).
func BenchmarkNormalizeText(b *testing.B) {
	random := make([]byte, 8<<20)
	rand.NewChaCha8([32]byte{}).Read(random)
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		b.Fatal(err)
	}
	text := bytes.Repeat(readme, 8<<20/len(readme)+1)[:8<<20]
	for _, c := range []struct {
		name string
		data []byte
	}{{"random", random}, {"text", text}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.data)))
			for b.Loop() {
				normalizeText(unpack.Bytes(c.data), int64(len(c.data)), nil)
			}
		})
	}
}

func BenchmarkNormalizeSimple(b *testing.B) {
	data := make([]byte, 8<<20)
	rand.NewChaCha8([32]byte{}).Read(data)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		normalizeSimple(data)
	}
}
