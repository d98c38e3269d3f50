package cvd

import (
	"crypto/sha256"
	"testing"
)

func BenchmarkRead(b *testing.B) {
	raw := readCorpus(b, "test-6.cvd")
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := Read(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyHeaderSig(b *testing.B) {
	c, err := Read(readCorpus(b, "test-6.cvd"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := VerifyHeaderSig(c.Header, DefaultLegacyKey); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyPSS(b *testing.B) {
	c, err := Read(readCorpus(b, "test-6.cvd"))
	if err != nil {
		b.Fatal(err)
	}
	_, data, _ := c.InfoMember()
	info, err := ParseInfo(data)
	if err != nil {
		b.Fatal(err)
	}
	h := sha256.Sum256(info.Signed)
	for b.Loop() {
		if err := VerifyPSS(DefaultInfoKey, h, info.DSig); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifySign(b *testing.B) {
	raw := readCorpus(b, "test-6.cvd")
	sign := readCorpus(b, "test-6.cvd.sign")
	roots := testRoots(b)
	for b.Loop() {
		if _, err := VerifySign(sign, raw, roots, engineFLevel); err != nil {
			b.Fatal(err)
		}
	}
}
