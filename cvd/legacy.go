package cvd

import (
	"crypto/rsa"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
)

// LegacyKey is an RSA public key for the CVD header signature. E is not
// 65537 in ClamAV's key, so it is kept as a plain int.
type LegacyKey struct {
	N *big.Int
	E int
}

// legacyLen is the size of the signed message: an MD5 digest.
const legacyLen = 16

// VerifyLegacy checks a header dsig against the MD5 it signs (32 hex
// digits): raw RSA, no padding, result left-padded to 16 bytes and compared
// as lowercase hex (dsig.c cli_versig). Padding matters: ClamAV 1.1-1.4
// rejected digests starting with 00.
func VerifyLegacy(key LegacyKey, md5hex, sig string) error {
	if len(md5hex) != 2*legacyLen {
		return fmt.Errorf("%w: MD5 %q is not 32 hex digits", ErrBadSignature, md5hex)
	}
	if len(sig) <= 1 { // "X" or empty: unsigned, as cvd.rs treats it
		return fmt.Errorf("%w: header dsig %q", ErrNoSignature, sig)
	}
	m, err := openSignature(sig, key.E, key.N, legacyLen)
	if err != nil {
		return err
	}
	if hex.EncodeToString(m) != md5hex {
		return fmt.Errorf("%w: header dsig does not sign MD5 %s", ErrBadSignature, md5hex)
	}
	return nil
}

// VerifyHeaderSig checks h.DSig against h.MD5. It says nothing about the
// body: Read/Open compare the MD5 with the body.
func VerifyHeaderSig(h Header, key LegacyKey) error {
	return VerifyLegacy(key, h.MD5, h.DSig)
}

// SignLegacy signs an MD5 (32 lowercase hex digits) the way sigtool's signing
// service does, for test feeds: s = m^d mod n, written in ClamAV's base 64
// with as many digits as the modulus needs.
func SignLegacy(priv *rsa.PrivateKey, md5hex string) (string, error) {
	if priv == nil || priv.N == nil || priv.D == nil {
		return "", fmt.Errorf("%w: no private key", ErrBadKey)
	}
	if len(md5hex) != 2*legacyLen || strings.ToLower(md5hex) != md5hex {
		return "", fmt.Errorf("%w: MD5 %q is not 32 lowercase hex digits", ErrBadSignature, md5hex)
	}
	raw, err := hex.DecodeString(md5hex)
	if err != nil {
		return "", fmt.Errorf("%w: MD5 %q: %v", ErrBadSignature, md5hex, err)
	}
	if priv.N.BitLen() <= 8*legacyLen {
		return "", fmt.Errorf("%w: %d-bit modulus is too small", ErrBadKey, priv.N.BitLen())
	}
	s := new(big.Int).Exp(new(big.Int).SetBytes(raw), priv.D, priv.N)
	return encodeNumber(s, digitsFor(priv.N)), nil
}
