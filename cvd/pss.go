package cvd

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"io"
	"math/big"
)

// ClamAV's PSS parameters (dsig.c cli_versig2): a 256-byte encoded message
// EM = maskedDB(223) || H(32) || 0xbc, SHA-256, MGF1-SHA-256, 32-byte salt.
const (
	pssEMLen   = 256
	pssHashLen = sha256.Size
	pssDBLen   = pssEMLen - pssHashLen - 1
	pssSaltLen = 32
	pssTrailer = 0xbc
)

// VerifyPSS checks a ClamAV base-64 PSS signature over msgHash (SHA-256 of
// the signed bytes). It follows ClamAV's steps, not RFC 8017: only the top
// bit of DB is cleared and the padding before the 0x01 is not checked, which
// is what lets ClamAV's 2047-bit keys verify.
func VerifyPSS(key *rsa.PublicKey, msgHash [32]byte, sig string) error {
	if key == nil || key.N == nil {
		return fmt.Errorf("%w: no public key", ErrBadKey)
	}
	if len(sig) <= 1 {
		return fmt.Errorf("%w: dsig %q", ErrNoSignature, sig)
	}
	em, err := openSignature(sig, key.E, key.N, pssEMLen)
	if err != nil {
		return err
	}
	if em[pssEMLen-1] != pssTrailer {
		return fmt.Errorf("%w: PSS trailer 0x%02x, want 0xbc", ErrBadSignature, em[pssEMLen-1])
	}
	h := em[pssDBLen : pssEMLen-1]
	db := mgf1(h, pssDBLen)
	for i := range db {
		db[i] ^= em[i]
	}
	db[0] &= 0x7f
	one := bytes.IndexByte(db, 0x01)
	if one < 0 || len(db)-one-1 != pssSaltLen {
		return fmt.Errorf("%w: PSS salt separator not found", ErrBadSignature)
	}
	if subtle.ConstantTimeCompare(pssHash(msgHash, db[one+1:]), h) != 1 {
		return fmt.Errorf("%w: PSS hash mismatch", ErrBadSignature)
	}
	return nil
}

// SignPSS makes a signature VerifyPSS (and ClamAV) accepts, with a random
// salt. The key must have a 2047- or 2048-bit modulus: EM is 256 bytes, and
// the top bits that must be zero for EM < n are cleared in maskedDB, where
// the verifier does not look at them (they fall in the unchecked padding).
func SignPSS(priv *rsa.PrivateKey, msgHash [32]byte) (string, error) {
	return signPSS(rand.Reader, priv, msgHash)
}

func signPSS(rnd io.Reader, priv *rsa.PrivateKey, msgHash [32]byte) (string, error) {
	if priv == nil || priv.N == nil || priv.D == nil {
		return "", fmt.Errorf("%w: no private key", ErrBadKey)
	}
	bits := priv.N.BitLen()
	if bits != 8*pssEMLen && bits != 8*pssEMLen-1 {
		return "", fmt.Errorf("%w: PSS needs a 2047- or 2048-bit modulus, got %d bits", ErrBadKey, bits)
	}
	salt := make([]byte, pssSaltLen)
	if _, err := io.ReadFull(rnd, salt); err != nil {
		return "", fmt.Errorf("cvd: PSS salt: %w", err)
	}
	h := pssHash(msgHash, salt)
	em := make([]byte, pssEMLen)
	db := em[:pssDBLen]
	db[pssDBLen-pssSaltLen-1] = 0x01
	copy(db[pssDBLen-pssSaltLen:], salt)
	mask := mgf1(h, pssDBLen)
	for i := range db {
		db[i] ^= mask[i]
	}
	// Clear 8*256 - (bits-1) top bits so EM < 2^(bits-1) <= n.
	db[0] &= 0xff >> (8*pssEMLen - (bits - 1))
	copy(em[pssDBLen:], h)
	em[pssEMLen-1] = pssTrailer
	s := new(big.Int).Exp(new(big.Int).SetBytes(em), priv.D, priv.N)
	return encodeNumber(s, digitsFor(priv.N)), nil
}

// pssHash is H = SHA-256(8 zero bytes || mHash || salt).
func pssHash(msgHash [32]byte, salt []byte) []byte {
	d := sha256.New()
	d.Write(make([]byte, 8))
	d.Write(msgHash[:])
	d.Write(salt)
	return d.Sum(nil)
}

// mgf1 is MGF1 with SHA-256 and 4-byte big-endian counters.
func mgf1(seed []byte, n int) []byte {
	out := make([]byte, 0, n+pssHashLen)
	var c [4]byte
	for i := uint32(0); len(out) < n; i++ {
		binary.BigEndian.PutUint32(c[:], i)
		d := sha256.New()
		d.Write(seed)
		d.Write(c[:])
		out = d.Sum(out)
	}
	return out[:n]
}
