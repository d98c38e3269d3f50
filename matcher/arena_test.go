package matcher

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestRadixSort32(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 1000, 1 << 10, 5000, 100_000} {
		a := make([]uint32, n)
		for i := range a {
			switch i % 3 {
			case 0:
				a[i] = r.Uint32()
			case 1:
				a[i] = r.Uint32N(1 << 16)
			default:
				a[i] = r.Uint32() &^ 0xffff
			}
		}
		want := slices.Sorted(slices.Values(a))
		if got := radixSort32(a, make([]uint32, n)); !slices.Equal(got, want) {
			t.Fatalf("n=%d: not sorted", n)
		}
	}
}

func TestPushTrim(t *testing.T) {
	var s []int
	for i := range 5000 {
		if i%7 == 0 {
			s = pushAll(s, i, -i)
		} else {
			s = push(s, i)
		}
	}
	tr := trim(s)
	if !slices.Equal(tr, s) || cap(tr)-len(tr) > len(tr)/8 {
		t.Fatalf("trim: len %d cap %d", len(tr), cap(tr))
	}
}
