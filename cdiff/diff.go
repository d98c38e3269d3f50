package cdiff

import (
	"bytes"
	"compress/gzip"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"io"
	"strconv"

	"github.com/sigtool/sigtool/cvd"
)

// Magic starts every cdiff.
const Magic = "ClamAV-Diff"

// SigArea is how far from the end the signature separator is searched
// (cdiff.rs SIG_SIZE).
const SigArea = 350

// MaxScriptSize bounds a decompressed script, so a gzip bomb fails.
const MaxScriptSize = 256 << 20

// Diff is a parsed cdiff file.
type Diff struct {
	Version   int
	ScriptLen int    // declared uncompressed length; informational, as in ClamAV
	Script    []byte // the decompressed edit script
	Signed    []byte // every byte before the last ':', what the signature covers
	Sig       string // the PSS signature in ClamAV's base 64
}

// Parse splits a cdiff file and decompresses its script. A zero-byte file
// is ErrEmpty; a damaged or cut gzip stream is ErrCorrupt.
func Parse(data []byte) (*Diff, error) {
	if len(data) == 0 {
		return nil, ErrEmpty
	}
	if !bytes.HasPrefix(data, []byte(Magic+":")) {
		return nil, fmt.Errorf("%w: does not start with %q", ErrBadHeader, Magic+":")
	}
	rest := data[len(Magic)+1:]
	var fields [2]int
	for i, name := range []string{"version", "script length"} {
		j := bytes.IndexByte(rest, ':')
		if j < 0 || j > 20 {
			return nil, fmt.Errorf("%w: %s field not terminated by ':'", ErrBadHeader, name)
		}
		n, err := strconv.Atoi(string(rest[:j]))
		if err != nil || n < 0 || rest[0] == '+' || rest[0] == '-' {
			return nil, fmt.Errorf("%w: %s %.20q is not a number", ErrBadHeader, name, rest[:j])
		}
		fields[i] = n
		rest = rest[j+1:]
	}
	d := &Diff{Version: fields[0], ScriptLen: fields[1]}
	bodyStart := len(data) - len(rest)

	area := len(data) - SigArea
	if area < bodyStart {
		area = bodyStart
	}
	// The signature is after the last ':' near the end. Without one, the
	// file was cut: decompress anyway, since the gzip error says more.
	end := len(data)
	sep := bytes.LastIndexByte(data[area:], ':')
	if sep >= 0 {
		sep += area
		end = sep
		d.Signed = data[:sep]
		d.Sig = string(data[sep+1:])
	}

	zr, err := gzip.NewReader(bytes.NewReader(data[bodyStart:end]))
	if err != nil {
		return nil, fmt.Errorf("%w: gzip header: %v", ErrCorrupt, err)
	}
	zr.Multistream(false) // ClamAV ignores what follows the gzip member
	var script bytes.Buffer
	n, err := io.Copy(&script, io.LimitReader(zr, MaxScriptSize+1))
	if err != nil {
		return nil, fmt.Errorf("%w: gzip after %d script bytes: %v", ErrCorrupt, n, err)
	}
	if n > MaxScriptSize {
		return nil, fmt.Errorf("%w: script larger than %d bytes", ErrCorrupt, MaxScriptSize)
	}
	if sep < 0 {
		return nil, fmt.Errorf("%w: no ':' before a signature in the last %d bytes", ErrCorrupt, SigArea)
	}
	d.Script = script.Bytes()
	return d, nil
}

// Verify checks the signature over Signed with key (cvd.DefaultCdiffKey for
// ClamAV's feeds). Errors wrap cvd.ErrBadSignature or cvd.ErrNoSignature.
func (d *Diff) Verify(key *rsa.PublicKey) error {
	if err := cvd.VerifyPSS(key, sha256.Sum256(d.Signed), d.Sig); err != nil {
		return fmt.Errorf("cdiff version %d: %w", d.Version, err)
	}
	return nil
}

// Build makes a signed cdiff for version from a script, the inverse of Parse
// and Verify; priv must be a 2047- or 2048-bit key. It is for tests and our
// own feeds (ClamAV's key is not ours).
func Build(version int, script []byte, priv *rsa.PrivateKey) ([]byte, error) {
	if version < 0 {
		return nil, fmt.Errorf("%w: negative version %d", ErrBadHeader, version)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s:%d:%d:", Magic, version, len(script))
	zw, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(script); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	sig, err := cvd.SignPSS(priv, sha256.Sum256(b.Bytes()))
	if err != nil {
		return nil, err
	}
	b.WriteString(":" + sig)
	return b.Bytes(), nil
}
