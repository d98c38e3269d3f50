package unpack

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/rc4"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
)

// Most encrypted PDFs in mail are encrypted without a user password (to
// restrict printing or copying): any viewer opens them, so a scanner must
// too. This is the standard security handler (ISO 32000-2, 7.6.4) tried
// with the empty user password: RC4 and AES-128 (revisions 2-4) and
// AES-256 (revisions 5 and 6). A file that needs a real password is
// reported encrypted.

var pdfPad = []byte{0x28, 0xbf, 0x4e, 0x5e, 0x4e, 0x75, 0x8a, 0x41, 0x64, 0x00, 0x4e, 0x56, 0xff, 0xfa, 0x01, 0x08,
	0x2e, 0x2e, 0x00, 0xb6, 0xd0, 0x68, 0x3e, 0x80, 0x2f, 0x0c, 0xa9, 0xfe, 0x64, 0x53, 0x69, 0x7a}

type pdfCipher int

const (
	pdfNone pdfCipher = iota
	pdfRC4
	pdfAES128
	pdfAES256
)

type pdfCrypt struct {
	key          []byte
	stm, str     pdfCipher
	encryptObj   int // the /Encrypt dictionary's own object, never decrypted
	skipMetadata bool
}

var errPDFPassword = fmt.Errorf("%w: pdf needs a password", ErrEncrypted)

// encryptDict finds the last trailer (or cross-reference stream) that
// names an /Encrypt dictionary, and the document ID.
func (doc *pdfDoc) encryptDict() (enc pdfDict, encObj int, id []byte) {
	consider := func(t pdfDict) {
		if t["Encrypt"] == nil {
			return
		}
		if r, ok := t["Encrypt"].(pdfRef); ok {
			encObj = r.num
		}
		if d, ok := doc.resolve(t["Encrypt"]).(pdfDict); ok {
			enc = d
		}
		if ids := pdfList(t["ID"]); len(ids) > 0 {
			id, _ = ids[0].([]byte)
		}
	}
	for i := 0; ; {
		k := bytes.Index(doc.data[i:], []byte("trailer"))
		if k < 0 {
			break
		}
		l := &pdfLexer{b: doc.data[i+k+7:]}
		l.skip()
		if l.p+1 < len(l.b) && l.b[l.p] == '<' && l.b[l.p+1] == '<' {
			consider(l.dict(0))
		}
		i += k + 7
	}
	for _, o := range doc.objects {
		if o.dict["Type"] == pdfName("XRef") {
			consider(o.dict)
		}
	}
	return enc, encObj, id
}

// setupCrypt prepares decryption when the file is encrypted; it fails when
// the empty user password does not open it.
func (doc *pdfDoc) setupCrypt() error {
	enc, encObj, id := doc.encryptDict()
	if enc == nil {
		return nil
	}
	if enc["Filter"] != pdfName("Standard") {
		return fmt.Errorf("%w: pdf security handler %v", ErrEncrypted, enc["Filter"])
	}
	v, _ := enc["V"].(int64)
	r, _ := enc["R"].(int64)
	o, _ := enc["O"].([]byte)
	u, _ := enc["U"].([]byte)
	p, _ := enc["P"].(int64)
	c := &pdfCrypt{encryptObj: encObj, stm: pdfRC4, str: pdfRC4}
	c.skipMetadata = enc["EncryptMetadata"] == "false"
	if v >= 4 {
		c.stm = cryptFilter(enc, enc["StmF"])
		c.str = cryptFilter(enc, enc["StrF"])
	}
	var err error
	switch {
	case r >= 5:
		c.key, err = pdfKeyAES256(r, u, enc)
	case r >= 2:
		n := 5
		if l, ok := enc["Length"].(int64); ok && r >= 3 && l >= 40 && l <= 128 && l%8 == 0 {
			n = int(l / 8)
		}
		if c.stm == pdfAES128 || c.str == pdfAES128 {
			n = 16
		}
		c.key, err = pdfKeyRC4(r, n, o, u, uint32(p), id, c.skipMetadata)
	default:
		err = fmt.Errorf("%w: pdf security revision %d", ErrEncrypted, r)
	}
	if err != nil {
		return err
	}
	doc.crypt = c
	return nil
}

func cryptFilter(enc pdfDict, name any) pdfCipher {
	n, _ := name.(pdfName)
	if n == "" || n == "Identity" {
		return pdfNone
	}
	cf, _ := enc["CF"].(pdfDict)
	f, _ := cf[n].(pdfDict)
	switch f["CFM"] {
	case pdfName("AESV2"):
		return pdfAES128
	case pdfName("AESV3"):
		return pdfAES256
	case pdfName("None"):
		return pdfNone
	}
	return pdfRC4
}

// pdfKeyRC4 is algorithm 2 with the empty password, checked against /U
// (algorithms 4 and 5).
func pdfKeyRC4(r int64, n int, o, u []byte, p uint32, id []byte, skipMeta bool) ([]byte, error) {
	if len(o) < 32 || len(u) < 16 {
		return nil, fmt.Errorf("%w: pdf /O or /U too short", ErrEncrypted)
	}
	h := md5.New()
	h.Write(pdfPad)
	h.Write(o[:32])
	binary.Write(h, binary.LittleEndian, p)
	h.Write(id)
	if r >= 4 && skipMeta {
		h.Write([]byte{0xff, 0xff, 0xff, 0xff})
	}
	key := h.Sum(nil)[:n]
	if r >= 3 {
		for i := 0; i < 50; i++ {
			s := md5.Sum(key)
			key = s[:n]
		}
	}
	var check []byte
	if r == 2 {
		if check = rc4Bytes(key, pdfPad); !bytes.Equal(check[:16], u[:16]) {
			return nil, errPDFPassword
		}
		return key, nil
	}
	s := md5.Sum(append(append([]byte{}, pdfPad...), id...))
	check = rc4Bytes(key, s[:])
	k := make([]byte, len(key))
	for i := 1; i <= 19; i++ {
		for j := range key {
			k[j] = key[j] ^ byte(i)
		}
		check = rc4Bytes(k, check)
	}
	if !bytes.Equal(check, u[:16]) {
		return nil, errPDFPassword
	}
	return key, nil
}

// pdfKeyAES256 validates the empty password against /U and unwraps /UE
// (algorithms 2.A, 2.B; revision 5 uses plain SHA-256).
func pdfKeyAES256(r int64, u []byte, enc pdfDict) ([]byte, error) {
	ue, _ := enc["UE"].([]byte)
	if len(u) < 48 || len(ue) < 32 {
		return nil, fmt.Errorf("%w: pdf /U or /UE too short", ErrEncrypted)
	}
	hashOf := func(salt []byte) []byte {
		if r == 5 {
			s := sha256.Sum256(salt)
			return s[:]
		}
		return pdfHash6(nil, salt)
	}
	if !bytes.Equal(hashOf(u[32:40]), u[:32]) {
		return nil, errPDFPassword
	}
	block, err := aes.NewCipher(hashOf(u[40:48]))
	if err != nil {
		return nil, err
	}
	key := make([]byte, 32)
	cipher.NewCBCDecrypter(block, make([]byte, 16)).CryptBlocks(key, ue[:32])
	return key, nil
}

// pdfHash6 is algorithm 2.B for a user password (no /U data mixed in).
func pdfHash6(password, salt []byte) []byte {
	s := sha256.Sum256(append(append([]byte{}, password...), salt...))
	k := s[:]
	for round := 0; ; round++ {
		k1 := bytes.Repeat(append(append([]byte{}, password...), k...), 64)
		block, _ := aes.NewCipher(k[:16])
		e := make([]byte, len(k1))
		cipher.NewCBCEncrypter(block, k[16:32]).CryptBlocks(e, k1)
		sum := 0
		for _, b := range e[:16] {
			sum += int(b)
		}
		var h hash.Hash
		switch sum % 3 {
		case 0:
			h = sha256.New()
		case 1:
			h = sha512.New384()
		default:
			h = sha512.New()
		}
		h.Write(e)
		k = h.Sum(nil)
		if round >= 63 && int(e[len(e)-1]) <= round+1-32 {
			break
		}
	}
	return k[:32]
}

func rc4Bytes(key, in []byte) []byte {
	c, _ := rc4.NewCipher(key)
	out := make([]byte, len(in))
	c.XORKeyStream(out, in)
	return out
}

func (doc *pdfDoc) decrypt(o *pdfObject, b []byte) []byte {
	c := doc.crypt
	if c == nil || o.num == c.encryptObj || o.dict["Type"] == pdfName("XRef") ||
		(c.skipMetadata && o.dict["Type"] == pdfName("Metadata")) {
		return b
	}
	return c.apply(c.stm, o, b)
}

func (doc *pdfDoc) decryptString(o *pdfObject, b []byte) []byte {
	c := doc.crypt
	if c == nil || o.num == c.encryptObj {
		return b
	}
	return c.apply(c.str, o, b)
}

var errPDFCipher = errors.New("pdf: bad ciphertext")

// apply decrypts b with the object's key (algorithm 1; AES-256 uses the
// file key as is). Undecryptable data is returned unchanged.
func (c *pdfCrypt) apply(m pdfCipher, o *pdfObject, b []byte) []byte {
	key := c.key
	if m == pdfRC4 || m == pdfAES128 {
		h := md5.New()
		h.Write(c.key)
		h.Write([]byte{byte(o.num), byte(o.num >> 8), byte(o.num >> 16), byte(o.gen), byte(o.gen >> 8)})
		if m == pdfAES128 {
			h.Write([]byte("sAlT"))
		}
		key = h.Sum(nil)[:min(len(c.key)+5, 16)]
	}
	switch m {
	case pdfRC4:
		return rc4Bytes(key, b)
	case pdfAES128, pdfAES256:
		out, err := aesCBCDecrypt(key, b)
		if err != nil {
			return b
		}
		return out
	}
	return b
}

// aesCBCDecrypt takes the IV from the first block and strips PKCS#7
// padding when it is valid.
func aesCBCDecrypt(key, b []byte) ([]byte, error) {
	if len(b) < 32 || len(b)%16 != 0 {
		return nil, errPDFCipher
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(b)-16)
	cipher.NewCBCDecrypter(block, b[:16]).CryptBlocks(out, b[16:])
	if n := int(out[len(out)-1]); n >= 1 && n <= 16 && bytes.Equal(out[len(out)-n:], bytes.Repeat([]byte{byte(n)}, n)) {
		out = out[:len(out)-n]
	}
	return out, nil
}
