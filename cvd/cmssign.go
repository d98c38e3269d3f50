package cvd

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"sort"
	"time"
)

// SignDetached makes a detached CMS SignedData over content, shaped like
// ClamAV's .sign payloads (SHA-256, signed attributes contentType,
// signingTime and messageDigest, RSA PKCS#1 v1.5, the signer certificate
// and chain included). It is for tests and our own feeds; wrap the result
// with FormatSignFile.
func SignDetached(content []byte, cert *x509.Certificate, chain []*x509.Certificate, key *rsa.PrivateKey, at time.Time) ([]byte, error) {
	if cert == nil || key == nil {
		return nil, fmt.Errorf("%w: no signer certificate or key", ErrBadKey)
	}
	digest := sha256.Sum256(content)
	var attrs [][]byte
	for _, a := range []struct {
		oid asn1.ObjectIdentifier
		val any
	}{
		{oidContentType, oidData},
		{oidSigningTime, at.UTC()},
		{oidMessageDigest, digest[:]},
	} {
		v, err := asn1.Marshal(a.val)
		if err != nil {
			return nil, err
		}
		der, err := asn1.Marshal(attribute{Type: a.oid, Values: asn1.RawValue{Tag: asn1.TagSet, IsCompound: true, Bytes: v}})
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, der)
	}
	// DER orders SET OF elements by their encodings.
	sort.Slice(attrs, func(i, j int) bool { return bytes.Compare(attrs[i], attrs[j]) < 0 })
	body := bytes.Join(attrs, nil)
	set, err := asn1.Marshal(asn1.RawValue{Tag: asn1.TagSet, IsCompound: true, Bytes: body})
	if err != nil {
		return nil, err
	}
	h := sha256.Sum256(set)
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, h[:])
	if err != nil {
		return nil, fmt.Errorf("cvd: CMS signature: %w", err)
	}
	sid, err := asn1.Marshal(issuerAndSerial{Issuer: asn1.RawValue{FullBytes: cert.RawIssuer}, Serial: cert.SerialNumber})
	if err != nil {
		return nil, err
	}
	certs := append([]byte(nil), cert.Raw...)
	for _, c := range chain {
		certs = append(certs, c.Raw...)
	}
	sha := pkix.AlgorithmIdentifier{Algorithm: oidSHA256, Parameters: asn1.NullRawValue}
	sd := signedData{
		Version:          1,
		DigestAlgorithms: []pkix.AlgorithmIdentifier{sha},
		EncapContent:     encapContentInfo{ContentType: oidData},
		Certificates:     asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: certs},
		SignerInfos: []signerInfo{{
			Version:            1,
			SID:                asn1.RawValue{FullBytes: sid},
			DigestAlgorithm:    sha,
			SignedAttrs:        asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: body},
			SignatureAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oidRSA, Parameters: asn1.NullRawValue},
			Signature:          sig,
		}},
	}
	return marshalCMS(sd)
}

// marshalCMS wraps SignedData in its ContentInfo.
func marshalCMS(sd signedData) ([]byte, error) {
	sdDER, err := asn1.Marshal(sd)
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(contentInfo{
		ContentType: oidSignedData,
		Content:     asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: sdDER},
	})
}
