package mailmime

import (
	"bytes"
	"strings"
)

var pgpMessage = []byte("-----BEGIN PGP MESSAGE-----")

// IsEncrypted reports whether p itself is encrypted content the gateway
// cannot look into: PGP/MIME (multipart/encrypted, application/pgp-encrypted),
// an attachment holding an inline "-----BEGIN PGP MESSAGE-----" block, or
// S/MIME enveloped data (application/pkcs7-mime or x-pkcs7-mime with
// smime-type enveloped-data or authenveloped-data, or without smime-type
// but named *.p7m). Signed-only content is not encrypted. To ask about a
// whole message, Walk it.
func (p *Part) IsEncrypted() bool {
	switch p.ContentType {
	case "multipart/encrypted", "application/pgp-encrypted":
		return true
	case "application/pkcs7-mime", "application/x-pkcs7-mime":
		switch strings.ToLower(p.Params["smime-type"]) {
		case "enveloped-data", "authenveloped-data":
			return true
		case "":
			name := strings.ToLower(p.Filename)
			return strings.HasSuffix(name, ".p7m")
		}
		return false
	}
	if p.IsAttachment() {
		data, _ := p.Decode()
		return bytes.Contains(data, pgpMessage)
	}
	return false
}

// IsSigned reports whether p is a signature container or signature:
// multipart/signed, a detached PGP or S/MIME signature, or S/MIME
// signed-data. Rewriting anything under a signed part breaks the
// signature.
func (p *Part) IsSigned() bool {
	switch p.ContentType {
	case "multipart/signed", "application/pgp-signature",
		"application/pkcs7-signature", "application/x-pkcs7-signature":
		return true
	case "application/pkcs7-mime", "application/x-pkcs7-mime":
		return strings.EqualFold(p.Params["smime-type"], "signed-data")
	}
	return false
}
