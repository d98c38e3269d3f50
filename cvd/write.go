package cvd

import (
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"crypto/rsa"
	"encoding/hex"
	"fmt"
	"io"
)

// Write writes a container ClamAV's readers accept: h with the MD5 field set
// to the body's MD5 and dsig "X" (unsigned, as in a CLD or CUD), then a tar
// of members, gzip'd when gzipped is true. A plain body must start with a
// COPYING member, since readers tell plain from gzip by that name.
func Write(w io.Writer, h Header, members []Member, gzipped bool) error {
	return write(w, h, members, gzipped, nil)
}

// WriteSigned is Write with a legacy header signature made with priv, the
// form of an official CVD (test feeds only: the real key is ClamAV's).
func WriteSigned(w io.Writer, h Header, members []Member, gzipped bool, priv *rsa.PrivateKey) error {
	if priv == nil {
		return fmt.Errorf("%w: no private key", ErrBadKey)
	}
	return write(w, h, members, gzipped, priv)
}

func write(w io.Writer, h Header, members []Member, gzipped bool, priv *rsa.PrivateKey) error {
	if !gzipped && (len(members) == 0 || members[0].Name != "COPYING") {
		return fmt.Errorf("%w: a plain tar body must start with COPYING", ErrBadName)
	}
	var body bytes.Buffer
	if gzipped {
		zw, err := gzip.NewWriterLevel(&body, gzip.BestCompression)
		if err != nil {
			return err
		}
		if err := writeTar(zw, members); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
	} else if err := writeTar(&body, members); err != nil {
		return err
	}
	sum := md5.Sum(body.Bytes())
	h.MD5 = hex.EncodeToString(sum[:])
	h.DSig = "X"
	if priv != nil {
		sig, err := SignLegacy(priv, h.MD5)
		if err != nil {
			return err
		}
		h.DSig = sig
	}
	hb, err := h.Marshal()
	if err != nil {
		return err
	}
	if _, err := w.Write(hb[:]); err != nil {
		return err
	}
	_, err = w.Write(body.Bytes())
	return err
}
