package matcher

import (
	"crypto/md5"
	"crypto/sha1"
	"hash"

	"github.com/minio/sha256-simd"
	"github.com/sigtool/sigtool/sigfile"
)

// digester computes, in one pass, only the digests the database needs.
type digester struct {
	h [3]hash.Hash // by hashIndex
}

func hashIndex(t sigfile.HashType) int {
	switch t {
	case sigfile.MD5:
		return 0
	case sigfile.SHA1:
		return 1
	case sigfile.SHA256:
		return 2
	}
	return -1
}

var hashWidth = [3]int{16, 20, 32}

func newDigester(need [3]bool) *digester {
	d := &digester{}
	if need[0] {
		d.h[0] = md5.New()
	}
	if need[1] {
		d.h[1] = sha1.New()
	}
	if need[2] {
		d.h[2] = sha256.New()
	}
	return d
}

func (d *digester) any() bool { return d.h[0] != nil || d.h[1] != nil || d.h[2] != nil }

func (d *digester) Write(p []byte) (int, error) {
	for _, h := range d.h {
		if h != nil {
			h.Write(p)
		}
	}
	return len(p), nil
}

// sums returns the digests computed (nil for the others).
func (d *digester) sums() [3][]byte {
	var out [3][]byte
	for i, h := range d.h {
		if h != nil {
			out[i] = h.Sum(nil)
		}
	}
	return out
}
