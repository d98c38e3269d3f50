package cvd

import (
	"fmt"
	"math/big"
)

// ClamAV writes signature integers in its own base 64: digits in this order,
// least significant digit first, no padding (dsig.c cli_ndecode).
const numberDigits = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/"

// maxSigChars bounds decoding work; real signatures are 171 or 342 digits.
const maxSigChars = 1024

var digitValue = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(numberDigits); i++ {
		t[numberDigits[i]] = int8(i)
	}
	return t
}()

// decodeNumber turns a ClamAV base-64 number into an integer.
func decodeNumber(s string) (*big.Int, error) {
	if s == "" {
		return nil, fmt.Errorf("%w: empty", ErrBadSignature)
	}
	if len(s) > maxSigChars {
		return nil, fmt.Errorf("%w: %d digits, more than %d", ErrBadSignature, len(s), maxSigChars)
	}
	n := new(big.Int)
	d := new(big.Int)
	for i := len(s) - 1; i >= 0; i-- { // most significant digit is last
		v := digitValue[s[i]]
		if v < 0 {
			return nil, fmt.Errorf("%w: byte %d (%q) is not a signature digit", ErrBadSignature, i, s[i])
		}
		n.Lsh(n, 6)
		n.Add(n, d.SetInt64(int64(v)))
	}
	return n, nil
}

// encodeNumber writes n with exactly width digits (ClamAV's sigtool pads to
// the modulus size, so signatures have a fixed length).
func encodeNumber(n *big.Int, width int) string {
	b := make([]byte, width)
	x := new(big.Int).Set(n)
	m := new(big.Int)
	sixtyFour := big.NewInt(64)
	for i := range b {
		x.DivMod(x, sixtyFour, m)
		b[i] = numberDigits[m.Int64()]
	}
	return string(b)
}

// digitsFor is the number of base-64 digits needed for numbers below n.
func digitsFor(n *big.Int) int { return (n.BitLen() + 5) / 6 }

// rawRSA computes s^e mod n, refusing s >= n: a real signature is always
// reduced, so a larger one is a forgery attempt or damage.
func rawRSA(s, e, n *big.Int) (*big.Int, error) {
	if n == nil || n.Sign() <= 0 || e == nil || e.Sign() <= 0 {
		return nil, fmt.Errorf("%w: missing modulus or exponent", ErrBadKey)
	}
	if s.Cmp(n) >= 0 {
		return nil, fmt.Errorf("%w: signature is not below the modulus", ErrBadSignature)
	}
	return new(big.Int).Exp(s, e, n), nil
}

// openSignature decodes a signature in ClamAV's digits, applies the public
// key (raw RSA, no padding) and returns the result as exactly size
// big-endian bytes; what stands in them is the caller's to check.
func openSignature(sig string, e int, n *big.Int, size int) ([]byte, error) {
	s, err := decodeNumber(sig)
	if err != nil {
		return nil, err
	}
	m, err := rawRSA(s, big.NewInt(int64(e)), n)
	if err != nil {
		return nil, err
	}
	if m.BitLen() > 8*size {
		return nil, fmt.Errorf("%w: signed value longer than %d bytes", ErrBadSignature, size)
	}
	return m.FillBytes(make([]byte, size)), nil
}
