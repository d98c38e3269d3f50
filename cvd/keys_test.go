package cvd

import (
	"crypto/rand"
	"crypto/rsa"
	"sync"
	"testing"
)

var (
	keyOnce sync.Once
	keys    map[int]*rsa.PrivateKey
	keyErr  error
)

// testKey returns a generated key of the given size, made once per run:
// 1024 bits for legacy signatures, 2048 and 2047 (ClamAV's size) for PSS.
func testKey(t testing.TB, bits int) *rsa.PrivateKey {
	t.Helper()
	keyOnce.Do(func() {
		keys = map[int]*rsa.PrivateKey{}
		for _, b := range []int{1024, 2047, 2048} {
			k, err := rsa.GenerateKey(rand.Reader, b)
			if err != nil {
				keyErr = err
				return
			}
			keys[b] = k
		}
	})
	if keyErr != nil {
		t.Fatal(keyErr)
	}
	k := keys[bits]
	if k == nil {
		t.Fatalf("no %d-bit test key", bits)
	}
	if k.N.BitLen() != bits {
		t.Fatalf("key has %d bits, want %d", k.N.BitLen(), bits)
	}
	return k
}
