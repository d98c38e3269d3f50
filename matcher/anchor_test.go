package matcher

import "testing"

// TestMaskSet checks the shortcuts of maskSet against the definition, for
// every mask and value.
func TestMaskSet(t *testing.T) {
	for mask := range 256 {
		for val := range 256 {
			got := maskSet(byte(mask), byte(val))
			for v := range 256 {
				want := byte(v)&byte(mask) == byte(val)&byte(mask)
				if has := got[v>>6]&(1<<(v&63)) != 0; has != want {
					t.Fatalf("maskSet(%#02x, %#02x): value %#02x in set = %v, want %v", mask, val, v, has, want)
				}
			}
		}
	}
}
