package cvd

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"
)

// testPKI is a root, an intermediate whose EKU lacks code signing (like
// ClamAV's test intermediate) and a leaf valid during 2025.
type testPKI struct {
	root, inter, leaf *x509.Certificate
	leafKey           *rsa.PrivateKey
	roots             *x509.CertPool
}

func newPKI(t testing.TB, bits int) *testPKI {
	t.Helper()
	key := testKey(t, bits) // one key for all three: generation is the slow part
	mk := func(cn string, serial int64, parent *x509.Certificate, ca bool, nb, na time.Time, eku []x509.ExtKeyUsage) *x509.Certificate {
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: nb, NotAfter: na, BasicConstraintsValid: true, IsCA: ca, ExtKeyUsage: eku,
			KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		}
		if parent == nil {
			parent = tmpl
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, key)
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	y := func(year int) time.Time { return time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC) }
	p := &testPKI{leafKey: key}
	p.root = mk("Test Root", 1, nil, true, y(2020), y(2030), nil)
	p.inter = mk("Test Intermediate", 0, p.root, true, y(2020), y(2030), []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning})
	p.leaf = mk("Test Signer", 0, p.inter, false, y(2025), y(2026), []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning})
	p.roots = x509.NewCertPool()
	p.roots.AddCert(p.root)
	return p
}

func (p *testPKI) sign(t testing.TB, content []byte, at time.Time) []byte {
	t.Helper()
	der, err := SignDetached(content, p.leaf, []*x509.Certificate{p.inter}, p.leafKey, at)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestSignDetachedVerify(t *testing.T) {
	p := newPKI(t, 2048)
	content := []byte("ClamAV-VDB: some file")
	inside := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	der := p.sign(t, content, inside)
	file := FormatSignFile(SignLine{MinFL: 230, DER: der})

	method, err := VerifySign(file, content, p.roots, 240)
	if err != nil || method != "pkcs7:Test Signer" {
		t.Fatalf("VerifySign = %q, %v", method, err)
	}

	otherRoots := x509.NewCertPool()
	otherRoots.AddCert(p.inter) // trusting the intermediate alone is fine
	if _, err := VerifySign(file, content, otherRoots, 240); err != nil {
		t.Errorf("intermediate as root: %v", err)
	}

	flipSig := bytes.Clone(der)
	flipSig[len(flipSig)-5] ^= 1 // inside the RSA signature, the last field

	invalid := map[string]struct {
		file, content []byte
		roots         *x509.CertPool
	}{
		"content changed":   {file, append(bytes.Clone(content), '!'), p.roots},
		"signature flipped": {FormatSignFile(SignLine{MinFL: 230, DER: flipSig}), content, p.roots},
		"no roots":          {file, content, nil},
		"foreign root":      {file, content, newPKI(t, 2047).roots},
		"leaf expired at signingTime": {FormatSignFile(SignLine{MinFL: 1,
			DER: p.sign(t, content, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))}), content, p.roots},
	}
	for name, c := range invalid {
		if _, err := VerifySign(c.file, c.content, c.roots, 240); !errors.Is(err, ErrSignInvalid) {
			t.Errorf("%s: %v, want ErrSignInvalid", name, err)
		}
	}

	noSigner, err := SignDetached(content, p.leaf, nil, p.leafKey, inside)
	if err != nil {
		t.Fatal(err)
	}
	unverifiable := map[string][]byte{
		"no magic":      []byte("230::pkcs7-pem:" + strings.Repeat("A", 8) + "\n"),
		"version 2":     []byte("#clamsign-2.0\n"),
		"only header":   []byte(SignFileMagic + "\n"),
		"out of range":  FormatSignFile(SignLine{MinFL: 241, DER: der}, SignLine{MinFL: 1, MaxFL: 239, DER: der}),
		"bad base64":    []byte(SignFileMagic + "\n230::pkcs7-pem:!!!!\n"),
		"bad format":    []byte(SignFileMagic + "\n230::pkcs7-der:AAAA\n"),
		"three fields":  []byte(SignFileMagic + "\n230:pkcs7-pem:AAAA\n"),
		"bad minfl":     []byte(SignFileMagic + "\nx::pkcs7-pem:AAAA\n"),
		"max below min": []byte(SignFileMagic + "\n230:100:pkcs7-pem:AAAA\n"),
		"not DER":       FormatSignFile(SignLine{DER: []byte("garbage")}),
		"truncated DER": FormatSignFile(SignLine{DER: der[:len(der)/2]}),
		"chain no root": FormatSignFile(SignLine{DER: removeCerts(t, noSigner)}),
	}
	for name, f := range unverifiable {
		if _, err := VerifySign(f, content, p.roots, 240); !errors.Is(err, ErrSignUnverifiable) {
			t.Errorf("%s: %v, want ErrSignUnverifiable", name, err)
		}
	}

	// Skipped and commented lines are passed over; the in-range line wins.
	mixed := []byte(string(FormatSignFile(SignLine{MinFL: 1, MaxFL: 100, DER: flipSig})) +
		"\n# comment\n   \n" + string(FormatSignFile(SignLine{MinFL: 200, MaxFL: 240, DER: der}))[len(SignFileMagic)+1:])
	if _, err := VerifySign(mixed, content, p.roots, 240); err != nil {
		t.Errorf("mixed file: %v", err)
	}
	lines, err := ParseSignFile(mixed)
	if err != nil || len(lines) != 2 || lines[1].Line != 6 || lines[1].MaxFL != 240 || lines[0].InRange(240) {
		t.Errorf("ParseSignFile: %d lines, %v", len(lines), err)
	} else if !bytes.Equal(lines[1].DER, der) {
		t.Error("ParseSignFile: DER differs from what was written")
	}
}

// removeCerts re-encodes a SignedData without its certificates, so the
// signer cannot be found: ClamAV then tries the next line.
func removeCerts(t *testing.T, der []byte) []byte {
	m, err := parseCMS(der)
	if err != nil {
		t.Fatal(err)
	}
	sd := m.sd
	sd.Certificates = asn1.RawValue{}
	out, err := marshalCMS(sd)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSignFallsThroughMissingSigner: a line whose signer certificate is
// absent does not stop the search.
func TestSignFallsThroughMissingSigner(t *testing.T) {
	p := newPKI(t, 2048)
	content := []byte("data")
	good := p.sign(t, content, time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC))
	f := FormatSignFile(SignLine{DER: removeCerts(t, good)}, SignLine{DER: good})
	if _, err := VerifySign(f, content, p.roots, 240); err != nil {
		t.Error(err)
	}
}
