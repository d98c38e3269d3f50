package unpack

import (
	"bytes"
	"compress/bzip2"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCompressBzip2 round-trips inputs of every shape through Go's
// reader, and through Debian's bzip2 when it is installed.
func TestCompressBzip2(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 300_000)
	for i := range random {
		random[i] = byte(rng.IntN(256))
	}
	inputs := map[string][]byte{
		"empty":      nil,
		"one byte":   {'x'},
		"runs":       bytes.Repeat([]byte("aaaaaaabbbbbbbbbbbbbbbbbbbbb\x90\x90\x90\x90\x90"), 5000),
		"text":       []byte(strings.Repeat("The quick brown fox jumps over the lazy dog. ", 20000)),
		"random":     random,
		"one symbol": bytes.Repeat([]byte{0}, 2_000_000), // several blocks
		"periodic":   bytes.Repeat([]byte("ab"), 400_000),
	}
	bz, _ := exec.LookPath("bzip2")
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			z := compressBzip2(in)
			got, err := io.ReadAll(bzip2.NewReader(bytes.NewReader(z)))
			if err != nil || !bytes.Equal(got, in) {
				t.Fatalf("round trip: %d bytes, %v", len(got), err)
			}
			if Identify(z[:min(len(z), HeadSize)]) != Bzip2 && len(in) > 0 {
				t.Fatalf("not identified as bzip2")
			}
			if bz == "" {
				return
			}
			f := filepath.Join(t.TempDir(), "x.bz2")
			os.WriteFile(f, z, 0o644)
			if out, err := exec.Command(bz, "-t", f).CombinedOutput(); err != nil {
				t.Fatalf("bzip2 -t: %v %s", err, out)
			}
		})
	}
}
