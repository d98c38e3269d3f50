package cvd

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
)

// DefaultMaxSize bounds the decompressed tar and the raw body when
// Options.MaxSize is zero. daily.cvd unpacks to a few hundred MiB.
const DefaultMaxSize int64 = 2 << 30

// Member is one file of the container's tar archive.
type Member struct {
	Name string
	Data []byte
}

// Container is a parsed CVD, CLD or CUD.
type Container struct {
	Header  Header
	Members []Member // in archive order
	Gzipped bool     // the body was gzip'd (CVD) rather than a plain tar (CLD)
}

// Options tune reading. The zero value uses the defaults.
type Options struct {
	// MaxSize bounds both the raw body and the decompressed tar, so a gzip
	// bomb or an endless stream stops with ErrTooLarge.
	MaxSize int64
}

// Read parses a whole container held in memory.
func Read(data []byte) (*Container, error) {
	return OpenContext(context.Background(), bytes.NewReader(data), Options{})
}

// Open parses a container from r with default options.
func Open(r io.Reader) (*Container, error) {
	return OpenContext(context.Background(), r, Options{})
}

// OpenContext parses the header, then the body: a plain tar when it starts
// with "COPYING" (ClamAV's test, cvd.c), otherwise gzip'd tar. The header MD5
// is checked against every byte after the header unless it is absent ("X").
// Signatures are not checked here: see VerifyHeaderSig, VerifySign and
// Container.VerifyInfo.
func OpenContext(ctx context.Context, r io.Reader, opt Options) (*Container, error) {
	max := opt.MaxSize
	if max <= 0 {
		max = DefaultMaxSize
	}
	var hb [HeaderSize]byte
	if n, err := io.ReadFull(r, hb[:]); err != nil {
		return nil, streamErr(err, fmt.Sprintf("header: %d of %d bytes", n, HeaderSize))
	}
	h, err := ParseHeader(hb[:])
	if err != nil {
		return nil, err
	}
	sum := md5.New()
	body := bufio.NewReader(io.TeeReader(&capReader{r: r, left: max, what: "body"}, sum))
	start, err := body.Peek(7)
	if err != nil {
		return nil, streamErr(err, fmt.Sprintf("body: %d bytes, want at least 7", len(start)))
	}
	c := &Container{Header: h, Gzipped: string(start) != "COPYING"}
	var tarStream io.Reader = body
	var gz *gzip.Reader
	if c.Gzipped {
		gz, err = gzip.NewReader(body)
		if err != nil {
			return nil, streamErr(err, "gzip header")
		}
		gz.Multistream(false) // sigtool writes one member; later bytes are only hashed
		tarStream = &capReader{r: gz, left: max, what: "decompressed tar"}
	}
	if c.Members, err = readTar(ctx, tarStream); err != nil {
		return nil, err
	}
	if gz != nil {
		// Read to the gzip trailer so a cut or damaged stream fails its CRC
		// and length check even when the tar ended early.
		if _, err := io.Copy(io.Discard, tarStream); err != nil {
			return nil, streamErr(err, "gzip stream after the tar")
		}
	}
	if _, err := io.Copy(io.Discard, body); err != nil {
		return nil, streamErr(err, "body")
	}
	if len(h.MD5) == 32 {
		if got := hex.EncodeToString(sum.Sum(nil)); got != h.MD5 {
			return nil, fmt.Errorf("%w: body MD5 %s, header says %s", ErrBadMD5, got, h.MD5)
		}
	}
	return c, nil
}

// Member returns the data of the named member.
func (c *Container) Member(name string) ([]byte, bool) {
	for _, m := range c.Members {
		if m.Name == name {
			return m.Data, true
		}
	}
	return nil, false
}

// Files returns the members as a map, the form cdiff.Apply edits. The map
// shares the member data; cdiff.Apply never modifies its input.
func (c *Container) Files() map[string][]byte {
	m := make(map[string][]byte, len(c.Members))
	for _, mem := range c.Members {
		m[mem.Name] = mem.Data
	}
	return m
}

// capReader fails with ErrTooLarge once more than left bytes would be read.
type capReader struct {
	r    io.Reader
	left int64
	what string
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var one [1]byte
		n, err := c.r.Read(one[:])
		if n > 0 {
			return 0, fmt.Errorf("%w: %s", ErrTooLarge, c.what)
		}
		return 0, err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}
