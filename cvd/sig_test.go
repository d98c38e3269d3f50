package cvd

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"math/big"
	"strings"
	"testing"
)

func TestNumberRoundTrip(t *testing.T) {
	for _, v := range []string{"0", "1", "63", "64", "4095", "118640995551645342603070001658453189751527774412027743746599405743243"} {
		n, _ := new(big.Int).SetString(v, 10)
		s := encodeNumber(n, 40)
		got, err := decodeNumber(s)
		if err != nil || got.Cmp(n) != 0 {
			t.Errorf("%s: encoded %q decoded %v, %v", v, s, got, err)
		}
	}
	// First character is least significant: "ba" = 1, "ab" = 64.
	for s, want := range map[string]int64{"b": 1, "ba": 1, "ab": 64, "/": 63, "A": 26, "0": 52, "+": 62} {
		got, err := decodeNumber(s)
		if err != nil || got.Int64() != want {
			t.Errorf("decode(%q) = %v, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", "ab=", "a b", "é", strings.Repeat("a", maxSigChars+1)} {
		if _, err := decodeNumber(s); !errors.Is(err, ErrBadSignature) {
			t.Errorf("decode(%q): %v, want ErrBadSignature", s, err)
		}
	}
}

func TestLegacySignVerify(t *testing.T) {
	priv := testKey(t, 1024)
	key := LegacyKey{N: priv.N, E: priv.E}
	for _, md5 := range []string{
		"a4ab60ae1c1c4e8f787459102dcfd90b",
		"00ab60ae1c1c4e8f787459102dcfd90b", // leading zero byte: must be padded
		"0000000000000000000000000000000f",
	} {
		sig, err := SignLegacy(priv, md5)
		if err != nil {
			t.Fatal(err)
		}
		if len(sig) != 171 {
			t.Errorf("signature has %d digits, want 171 like ClamAV's", len(sig))
		}
		if err := VerifyLegacy(key, md5, sig); err != nil {
			t.Errorf("%s: %v", md5, err)
		}
		other := "1" + md5[1:]
		if err := VerifyLegacy(key, other, sig); !errors.Is(err, ErrBadSignature) {
			t.Errorf("other MD5: %v, want ErrBadSignature", err)
		}
		if err := VerifyLegacy(DefaultLegacyKey, md5, sig); !errors.Is(err, ErrBadSignature) {
			t.Errorf("ClamAV key: %v, want ErrBadSignature", err)
		}
	}
	for _, c := range []struct{ md5, sig string }{
		{"a4ab60ae1c1c4e8f787459102dcfd90b", "X"},
		{"a4ab60ae1c1c4e8f787459102dcfd90b", ""},
		{"X", "abc"},
	} {
		if err := VerifyLegacy(key, c.md5, c.sig); err == nil {
			t.Errorf("VerifyLegacy(%q, %q) succeeded", c.md5, c.sig)
		}
	}
	// A signature integer at or above the modulus is refused.
	if err := VerifyLegacy(key, "a4ab60ae1c1c4e8f787459102dcfd90b", encodeNumber(priv.N, 172)); !errors.Is(err, ErrBadSignature) {
		t.Errorf("s = n: %v", err)
	}
	if _, err := SignLegacy(priv, "A4AB60AE1C1C4E8F787459102DCFD90B"); err == nil {
		t.Error("SignLegacy took uppercase MD5, which ClamAV's string compare would reject")
	}
}

func TestPSSSignVerify(t *testing.T) {
	msg := sha256.Sum256([]byte("ClamAV-Diff:2:479:"))
	for _, bits := range []int{2047, 2048} {
		priv := testKey(t, bits)
		// Many signatures: with a 2047-bit key a signer that clears one
		// bit only would often produce EM >= n.
		for i := 0; i < 20; i++ {
			sig, err := SignPSS(priv, msg)
			if err != nil {
				t.Fatal(err)
			}
			if len(sig) != 342 {
				t.Fatalf("%d bits: %d digits, want 342", bits, len(sig))
			}
			if err := VerifyPSS(&priv.PublicKey, msg, sig); err != nil {
				t.Fatalf("%d bits, try %d: %v", bits, i, err)
			}
			other := msg
			other[0] ^= 1
			if err := VerifyPSS(&priv.PublicKey, other, sig); !errors.Is(err, ErrBadSignature) {
				t.Fatalf("other hash: %v", err)
			}
		}
	}
	if _, err := SignPSS(testKey(t, 1024), msg); !errors.Is(err, ErrBadKey) {
		t.Errorf("1024-bit PSS key: %v, want ErrBadKey", err)
	}
}

// TestPSSInterop checks our steps against crypto/rsa for a 2048-bit key,
// where RFC 8017 and ClamAV agree.
func TestPSSInterop(t *testing.T) {
	priv := testKey(t, 2048)
	msg := sha256.Sum256([]byte("interop"))
	opts := &rsa.PSSOptions{SaltLength: 32, Hash: crypto.SHA256}
	std, err := rsa.SignPSS(rand.Reader, priv, crypto.SHA256, msg[:], opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyPSS(&priv.PublicKey, msg, encodeNumber(new(big.Int).SetBytes(std), 342)); err != nil {
		t.Errorf("crypto/rsa signature rejected: %v", err)
	}
	ours, err := SignPSS(priv, msg)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := decodeNumber(ours)
	if err := rsa.VerifyPSS(&priv.PublicKey, crypto.SHA256, msg[:], s.FillBytes(make([]byte, 256)), opts); err != nil {
		t.Errorf("crypto/rsa rejects our signature: %v", err)
	}
}

func TestPSSRejects(t *testing.T) {
	priv := testKey(t, 2048)
	msg := sha256.Sum256([]byte("x"))
	pub := &priv.PublicKey
	raw := func(em []byte) string {
		s := new(big.Int).Exp(new(big.Int).SetBytes(em), priv.D, priv.N)
		return encodeNumber(s, 342)
	}
	noTrailer := make([]byte, 256)
	noTrailer[255] = 0x01
	tests := map[string]string{
		"unsigned":   "X",
		"bad digit":  strings.Repeat("a", 300) + "!",
		"no trailer": raw(noTrailer),
		"no salt separator": raw(func() []byte {
			em := make([]byte, 256)
			em[255] = 0xbc
			copy(em[:223], mgf1(em[223:255], 223)) // DB all zero after unmasking
			return em
		}()),
	}
	for name, sig := range tests {
		if err := VerifyPSS(pub, msg, sig); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := VerifyPSS(nil, msg, "abc"); !errors.Is(err, ErrBadKey) {
		t.Errorf("nil key: %v", err)
	}
}
