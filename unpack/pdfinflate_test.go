package unpack

import (
	"bytes"
	"errors"
	"math/rand"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/filter"
)

// TestInflatePDFAsPdfcpu: the pooled inflater gives what pdfcpu's Flate
// filter gives (bytes, and whether it is corrupt or over a limit) on good,
// cut, damaged and oversized streams, each decoded twice so that a reused
// reader and buffer are exercised.
func TestInflatePDFAsPdfcpu(t *testing.T) {
	text := bytes.Repeat([]byte("BT /F1 12 Tf (some page text) Tj ET\n"), 3000)
	noise := make([]byte, 200<<10)
	rand.New(rand.NewSource(1)).Read(noise)
	good := zlibBytes(text)
	badSum := bytes.Clone(good)
	badSum[len(badSum)-1] ^= 0xff
	badData := bytes.Clone(good)
	for i := 40; i < 60; i++ {
		badData[i] ^= 0x5a
	}
	badHead := bytes.Clone(good)
	badHead[1] ^= 1
	lim := DefaultLimits()
	for _, tc := range []struct {
		name string
		in   []byte
		capN int64
	}{
		{"good", good, 1 << 30},
		{"empty output", zlibBytes(nil), 1 << 30},
		{"incompressible", zlibBytes(noise), 1 << 30},
		{"cut short", good[:len(good)/2], 1 << 30},
		{"header only", good[:2], 1 << 30},
		{"empty input", nil, 1 << 30},
		{"bad checksum", badSum, 1 << 30},
		{"bad data", badData, 1 << 30},
		{"bad header", badHead, 1 << 30},
		{"over the cap", good, 1000},
		{"exactly the cap", good, int64(len(text))},
	} {
		want, wantErr := runPDFFilter(filter.Flate, map[string]int{}, tc.in, tc.capN, LimitRatio, lim)
		for round := range 2 {
			out, err := inflatePDF(tc.in, tc.capN, LimitRatio, lim)
			if !bytes.Equal(*out, want) {
				t.Errorf("%s (%d): %d bytes, pdfcpu %d", tc.name, round, len(*out), len(want))
			}
			if (err == nil) != (wantErr == nil) || errors.Is(err, ErrCorrupt) != errors.Is(wantErr, ErrCorrupt) ||
				limitOf(err) != limitOf(wantErr) {
				t.Errorf("%s (%d): error %v, pdfcpu %v", tc.name, round, err, wantErr)
			}
			putInflateBuf(out)
		}
	}
}
