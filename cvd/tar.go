package cvd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Tar as ClamAV reads it (cvd.c): 512-byte blocks, a block whose first byte
// is NUL ends the archive, only regular files, no '/' in names.
const blockSize = 512

const (
	tarName     = 0
	tarNameLen  = 100
	tarMode     = 100
	tarUID      = 108
	tarGID      = 116
	tarSize     = 124
	tarMtime    = 136
	tarChksum   = 148
	tarTypeflag = 156
	tarMagic    = 257
)

// checkName enforces ClamAV's "no directories" rule plus printable ASCII:
// members become file names in a database directory.
func checkName(name string) error {
	switch {
	case name == "" || name == "." || name == "..":
		return fmt.Errorf("%w: %q", ErrBadName, name)
	case len(name) > tarNameLen:
		return fmt.Errorf("%w: %.20q... is longer than %d bytes", ErrBadName, name, tarNameLen)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= 0x20 || c > 0x7e || c == '/' || c == '\\' {
			return fmt.Errorf("%w: %q has byte 0x%02x", ErrBadName, name, c)
		}
	}
	return nil
}

// readTar reads members until the end block or EOF at a block boundary.
// Member data grows as it arrives: the declared size is only a bound.
func readTar(ctx context.Context, r io.Reader) ([]Member, error) {
	var members []Member
	seen := map[string]bool{}
	var block [blockSize]byte
	where := "first member"
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, err := io.ReadFull(r, block[:])
		if n == 0 && err == io.EOF {
			return members, nil // sigtool's CVDs have no end block
		}
		if err != nil {
			return nil, streamErr(err, fmt.Sprintf("tar header of %s: %d of %d bytes", where, n, blockSize))
		}
		if block[0] == 0 {
			if !bytes.Equal(block[:], make([]byte, blockSize)) {
				return nil, fmt.Errorf("%w: header of %s has an empty name", ErrBadTar, where)
			}
			return members, nil
		}
		name := string(block[:tarNameLen])
		if i := bytes.IndexByte(block[:tarNameLen], 0); i >= 0 {
			name = name[:i]
		}
		where = fmt.Sprintf("member %q", name)
		if err := checkName(name); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadTar, err)
		}
		if err := checkSum(block[:]); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrBadTar, where, err)
		}
		if t := block[tarTypeflag]; t != '0' && t != 0 {
			return nil, fmt.Errorf("%w: %s has type %q, only regular files are allowed", ErrBadTar, where, t)
		}
		if seen[name] {
			return nil, fmt.Errorf("%w: %s appears twice", ErrBadTar, where)
		}
		seen[name] = true
		size, err := parseOctal(block[tarSize : tarSize+12])
		if err != nil {
			return nil, fmt.Errorf("%w: %s size: %v", ErrBadTar, where, err)
		}
		var data bytes.Buffer
		got, err := io.Copy(&data, io.LimitReader(r, size))
		if err != nil {
			return nil, streamErr(err, fmt.Sprintf("%s: want %d bytes, got %d", where, size, got))
		}
		if got != size {
			return nil, fmt.Errorf("%w: %s: want %d bytes, got %d", ErrTruncated, where, size, got)
		}
		if pad := (blockSize - size%blockSize) % blockSize; pad > 0 {
			p, err := io.CopyN(io.Discard, r, pad)
			if err != nil {
				return nil, streamErr(err, fmt.Sprintf("%s: padding: want %d bytes, got %d", where, pad, p))
			}
		}
		members = append(members, Member{Name: name, Data: data.Bytes()})
	}
}

// streamErr classifies a read error: running out of input is truncation;
// the size cap and decompression errors keep their own identity.
func streamErr(err error, what string) error {
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: %s", ErrTruncated, what)
	case errors.Is(err, ErrTooLarge), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %w", what, err)
	}
	return fmt.Errorf("%w: %s: %v", ErrBadBody, what, err)
}

// parseOctal reads a NUL- or space-terminated octal field, leading spaces
// allowed. GNU base-256 sizes are refused: no database is that large.
func parseOctal(f []byte) (int64, error) {
	s := bytes.TrimLeft(f, " ")
	if i := bytes.IndexAny(s, " \x00"); i >= 0 {
		s = s[:i]
	}
	if len(s) == 0 {
		return 0, fmt.Errorf("empty octal field")
	}
	n, err := strconv.ParseInt(string(s), 8, 64)
	if err != nil {
		return 0, fmt.Errorf("octal field %q", f)
	}
	return n, nil
}

// checkSum verifies the header checksum: the byte sum with the checksum
// field read as spaces. ClamAV skips this; the .info hashes would catch a
// damaged member later, but a damaged header could hide one, so we check.
func checkSum(b []byte) error {
	want, err := parseOctal(b[tarChksum : tarChksum+8])
	if err != nil {
		return fmt.Errorf("checksum: %v", err)
	}
	if got := headerSum(b); got != want {
		return fmt.Errorf("checksum %o, header says %o", got, want)
	}
	return nil
}

func headerSum(b []byte) int64 {
	var sum int64
	for i, c := range b[:blockSize] {
		if i >= tarChksum && i < tarChksum+8 {
			c = ' '
		}
		sum += int64(c)
	}
	return sum
}

// writeTar writes members as ustar regular files with zero times and owner,
// then the two end blocks. The output is deterministic.
func writeTar(w io.Writer, members []Member) error {
	seen := map[string]bool{}
	for _, m := range members {
		if err := checkName(m.Name); err != nil {
			return err
		}
		if seen[m.Name] {
			return fmt.Errorf("%w: %q appears twice", ErrBadName, m.Name)
		}
		seen[m.Name] = true
		var b [blockSize]byte
		copy(b[tarName:], m.Name)
		copy(b[tarMode:], "0000644\x00")
		copy(b[tarUID:], "0000000\x00")
		copy(b[tarGID:], "0000000\x00")
		copy(b[tarSize:], fmt.Sprintf("%011o\x00", len(m.Data)))
		copy(b[tarMtime:], "00000000000\x00")
		b[tarTypeflag] = '0'
		copy(b[tarMagic:], "ustar\x0000")
		copy(b[tarChksum:], fmt.Sprintf("%06o\x00 ", headerSum(b[:])))
		if _, err := w.Write(b[:]); err != nil {
			return err
		}
		if _, err := w.Write(m.Data); err != nil {
			return err
		}
		if pad := (blockSize - len(m.Data)%blockSize) % blockSize; pad > 0 {
			if _, err := w.Write(make([]byte, pad)); err != nil {
				return err
			}
		}
	}
	_, err := w.Write(make([]byte, 2*blockSize))
	return err
}
