package cvd

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// A minimal reader for detached CMS SignedData (RFC 5652) as ClamAV's .sign
// files carry it: RSA PKCS#1 v1.5 signers, SHA-2 digests, certificates
// included. Only what verification needs is decoded.

var (
	oidData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningTime   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidRSA           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidSHA256        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidSHA256RSA     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384RSA     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512RSA     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
)

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,tag:0"`
}

type signedData struct {
	Version          int
	DigestAlgorithms []pkix.AlgorithmIdentifier `asn1:"set"`
	EncapContent     encapContentInfo
	Certificates     asn1.RawValue `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue `asn1:"optional,tag:1"`
	SignerInfos      []signerInfo  `asn1:"set"`
}

type encapContentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,optional,tag:0"`
}

type signerInfo struct {
	Version            int
	SID                asn1.RawValue
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
}

type issuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type attribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue `asn1:"set"`
}

// cmsMessage is a parsed SignedData, before any cryptographic check.
type cmsMessage struct {
	sd    signedData
	certs []*x509.Certificate
}

// errUnparsable marks input we could not decode; ClamAV treats that as
// "cannot verify", not as an invalid signature.
var errUnparsable = errors.New("unparsable CMS")

func parseCMS(der []byte) (*cmsMessage, error) {
	var ci contentInfo
	rest, err := asn1.Unmarshal(der, &ci)
	if err != nil {
		return nil, fmt.Errorf("%w: ContentInfo: %v", errUnparsable, err)
	}
	if len(rest) > 0 {
		return nil, fmt.Errorf("%w: %d bytes after ContentInfo", errUnparsable, len(rest))
	}
	if !ci.ContentType.Equal(oidSignedData) {
		return nil, fmt.Errorf("%w: content type %v is not SignedData", errUnparsable, ci.ContentType)
	}
	m := &cmsMessage{}
	if rest, err := asn1.Unmarshal(ci.Content.Bytes, &m.sd); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("%w: SignedData: %v", errUnparsable, err)
	}
	if len(m.sd.Certificates.Bytes) > 0 {
		if m.certs, err = x509.ParseCertificates(m.sd.Certificates.Bytes); err != nil {
			return nil, fmt.Errorf("%w: certificates: %v", errUnparsable, err)
		}
	}
	if len(m.sd.SignerInfos) == 0 {
		return nil, fmt.Errorf("%w: no signers", errUnparsable)
	}
	return m, nil
}

// signerCert finds the certificate a SignerInfo names, by issuer and serial
// (version 1) or subject key identifier (version 3).
func (m *cmsMessage) signerCert(si *signerInfo) (*x509.Certificate, error) {
	switch {
	case si.SID.Class == asn1.ClassUniversal && si.SID.Tag == asn1.TagSequence:
		var ias issuerAndSerial
		if _, err := asn1.Unmarshal(si.SID.FullBytes, &ias); err != nil {
			return nil, fmt.Errorf("%w: signer identifier: %v", errUnparsable, err)
		}
		for _, c := range m.certs {
			if c.SerialNumber.Cmp(ias.Serial) == 0 && bytes.Equal(c.RawIssuer, ias.Issuer.FullBytes) {
				return c, nil
			}
		}
	case si.SID.Class == asn1.ClassContextSpecific && si.SID.Tag == 0:
		for _, c := range m.certs {
			if len(c.SubjectKeyId) > 0 && bytes.Equal(c.SubjectKeyId, si.SID.Bytes) {
				return c, nil
			}
		}
	default:
		return nil, fmt.Errorf("%w: unknown signer identifier", errUnparsable)
	}
	return nil, fmt.Errorf("%w: signer certificate not included", errUnparsable)
}

func hashFor(oid asn1.ObjectIdentifier) (crypto.Hash, bool) {
	switch {
	case oid.Equal(oidSHA256):
		return crypto.SHA256, true
	case oid.Equal(oidSHA384):
		return crypto.SHA384, true
	case oid.Equal(oidSHA512):
		return crypto.SHA512, true
	}
	return 0, false
}

// verify checks every signer against content and roots; it returns the
// signers' common names. Errors not wrapping errUnparsable mean the
// signature is invalid.
func (m *cmsMessage) verify(content []byte, roots *x509.CertPool) (string, error) {
	if !m.sd.EncapContent.ContentType.Equal(oidData) {
		return "", fmt.Errorf("encapsulated content type %v is not data", m.sd.EncapContent.ContentType)
	}
	if len(m.sd.EncapContent.Content.FullBytes) > 0 {
		return "", errors.New("signature is not detached")
	}
	inter := x509.NewCertPool()
	for _, c := range m.certs {
		inter.AddCert(c)
	}
	var names []string
	for i := range m.sd.SignerInfos {
		si := &m.sd.SignerInfos[i]
		cert, err := m.signerCert(si)
		if err != nil {
			return "", err
		}
		at, err := verifySigner(si, cert, content)
		if err != nil {
			return "", fmt.Errorf("signer %q: %v", cert.Subject.CommonName, err)
		}
		if at.IsZero() {
			at = time.Now()
		}
		if roots == nil {
			return "", errors.New("no trusted roots configured")
		}
		_, err = cert.Verify(x509.VerifyOptions{
			Roots: roots, Intermediates: inter, CurrentTime: at,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
		})
		if err != nil {
			return "", fmt.Errorf("signer %q: chain: %v", cert.Subject.CommonName, err)
		}
		names = append(names, cert.Subject.CommonName)
	}
	return fmt.Sprint(names), nil
}

// verifySigner checks one SignerInfo and returns its signingTime (zero when
// absent).
func verifySigner(si *signerInfo, cert *x509.Certificate, content []byte) (time.Time, error) {
	var at time.Time
	h, ok := hashFor(si.DigestAlgorithm.Algorithm)
	if !ok {
		return at, fmt.Errorf("unsupported digest %v", si.DigestAlgorithm.Algorithm)
	}
	if sa := si.SignatureAlgorithm.Algorithm; !sa.Equal(oidRSA) &&
		!(sa.Equal(oidSHA256RSA) && h == crypto.SHA256) &&
		!(sa.Equal(oidSHA384RSA) && h == crypto.SHA384) &&
		!(sa.Equal(oidSHA512RSA) && h == crypto.SHA512) {
		return at, fmt.Errorf("unsupported signature algorithm %v", sa)
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return at, errors.New("signer key is not RSA")
	}
	d := h.New()
	d.Write(content)
	digest := d.Sum(nil)
	if len(si.SignedAttrs.FullBytes) == 0 {
		// No attributes: the signature is over the content digest itself.
		return at, rsa.VerifyPKCS1v15(pub, h, digest, si.Signature)
	}
	var sawType, sawDigest bool
	for rest := si.SignedAttrs.Bytes; len(rest) > 0; {
		var a attribute
		var err error
		if rest, err = asn1.Unmarshal(rest, &a); err != nil {
			return at, fmt.Errorf("signed attributes: %v", err)
		}
		switch {
		case a.Type.Equal(oidContentType):
			var ct asn1.ObjectIdentifier
			if err := oneValue(a, &ct, &sawType); err != nil {
				return at, fmt.Errorf("contentType: %v", err)
			}
			if !ct.Equal(oidData) {
				return at, fmt.Errorf("contentType attribute %v is not data", ct)
			}
		case a.Type.Equal(oidMessageDigest):
			var md []byte
			if err := oneValue(a, &md, &sawDigest); err != nil {
				return at, fmt.Errorf("messageDigest: %v", err)
			}
			if !bytes.Equal(md, digest) {
				return at, errors.New("messageDigest does not match the content")
			}
		case a.Type.Equal(oidSigningTime):
			var seen bool
			if !at.IsZero() {
				return at, errors.New("signingTime appears twice")
			}
			if err := oneValue(a, &at, &seen); err != nil {
				return at, fmt.Errorf("signingTime: %v", err)
			}
		}
	}
	if !sawType || !sawDigest {
		return at, errors.New("contentType or messageDigest attribute missing")
	}
	// The signature covers the attributes DER-encoded as a SET OF, not with
	// the [0] IMPLICIT tag they carry in the SignerInfo.
	signed := append([]byte{0x31}, si.SignedAttrs.FullBytes[1:]...)
	d = h.New()
	d.Write(signed)
	if err := rsa.VerifyPKCS1v15(pub, h, d.Sum(nil), si.Signature); err != nil {
		return at, fmt.Errorf("RSA signature: %v", err)
	}
	return at, nil
}

// oneValue decodes the single value of attribute a into v; seen guards
// against the attribute appearing twice.
func oneValue(a attribute, v any, seen *bool) error {
	if *seen {
		return errors.New("appears twice")
	}
	*seen = true
	rest, err := asn1.Unmarshal(a.Values.Bytes, v)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return errors.New("more than one value")
	}
	return nil
}
