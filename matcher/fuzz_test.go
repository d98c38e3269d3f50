package matcher

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/sigtool/sigtool/sigfile"
)

// FuzzVerify checks the compiled matcher against the brute-force reference:
// the fuzzer picks the random patterns (by seed), the data and the read
// size. It must never panic and never disagree.
func FuzzVerify(f *testing.F) {
	f.Add(uint64(1), []byte("abc. A1\n\r-="), uint8(3))
	f.Add(uint64(7), []byte("aaaa bbbb cccc\r\n...."), uint8(1))
	f.Add(uint64(42), bytes.Repeat([]byte("abcA1"), 40), uint8(200))
	f.Add(uint64(99), []byte{}, uint8(0))
	f.Fuzz(func(t *testing.T, seed uint64, data []byte, chunk uint8) {
		if len(data) > 4096 {
			return
		}
		r := rand.New(rand.NewPCG(seed, seed>>7))
		var sigs []sigfile.BodySig
		var es []sigfile.Entry
		for i := range 1 + r.IntN(4) {
			sigs = append(sigs, sigfile.BodySig{Name: fmt.Sprintf("F%d", i), Offset: randOffset(r), Pattern: randPattern(r)})
		}
		for i := range sigs {
			es = append(es, sigfile.Entry{Kind: sigfile.KindNDB, Body: &sigs[i]})
		}
		m := buildWith(t, int(chunk)+1, es...)
		var want []string
		for _, s := range sigs {
			if lo, hi, ok := refRange(s.Offset, len(data)); ok && refMatch(s.Pattern, data, lo, hi) {
				want = append(want, s.Name)
			}
		}
		got, err := m.Detect(context.Background(), bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		if !sameNames(got, want) {
			for _, s := range sigs {
				t.Logf("%s: %s %s", s.Name, s.Offset, s.Pattern)
			}
			t.Fatalf("got %v, want %v", got, want)
		}
	})
}

// FuzzExec feeds arbitrary files to a matcher that needs executable
// parsing, section hashes and EP offsets: no panic, no error.
func FuzzExec(f *testing.F) {
	f.Add(minimalPE())
	f.Add(minimalMachO())
	f.Add([]byte("\x7fELF\x02\x01\x01\x00"))
	f.Add([]byte("MZ"))
	m := buildWith(f, 64,
		entry(f, sigfile.KindNDB, "E:1:EP+0:4d5a9000"),
		entry(f, sigfile.KindNDB, "S:6:S1+0,100:7f454c46"),
		entry(f, sigfile.KindNDB, "M:9:SL+0:cffaedfe"),
		entry(f, sigfile.KindMDB, "512:"+md5hex(make([]byte, 512))+":Sect"),
		entry(f, sigfile.KindLDB, "L;Engine:51-255,Target:1,EntryPoint:0-100,NumberOfSections:1-3;0;SE0:0000"),
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := m.Detect(context.Background(), bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatal(err)
		}
	})
}
