package unpack

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
)

// An EA06 script is stored as tokens: a u32 count of lines, then per token
// a byte of kind and its operand. Kinds 0 and 1 are a keyword and a
// built-in function by number (u32), 5, 0x10 and 0x20 a 32-bit integer,
// a 64-bit integer and a double, 0x30 to 0x37 a name or string (u32
// length in UTF-16 units, each unit XORed with the length), 0x40 to 0x58
// an operator, and 0x7f the end of a line. The text is written as
// ClamAV writes it, each token followed by a space, so that signatures
// on AutoIt scripts match; keywords and functions, whose names live in
// the interpreter, are written by number ("KEYWORD_4", "FUNCTION_12").

var autoitOperators = [...]string{",", "=", ">", "<", "<>", ">=", "<=", "(", ")", "+", "-", "/", "*", "&", "[", "]", "==", "^", "+=", "-=", "/=", "*=", "&=", "?", ":"}

// autoitPrefixes are written before a name of kind 0x30+i: macros are
// @name, variables $name, objects' members .name, strings quoted.
var autoitPrefixes = [8]byte{0, 0, '@', '$', 0, '.', '"', 0}

const autoitMaxToken = 1 << 20 // units in one name or string

type autoitScript struct {
	r     *bufio.Reader
	out   bytes.Buffer
	lines uint32
	err   error
	begun bool
}

func newAutoItScript(r io.Reader) io.Reader { return &autoitScript{r: bufio.NewReader(r)} }

func (s *autoitScript) Read(p []byte) (int, error) {
	for s.out.Len() == 0 && s.err == nil {
		s.err = s.token()
	}
	if s.out.Len() > 0 {
		return s.out.Read(p)
	}
	return 0, s.err
}

func (s *autoitScript) u32() (uint32, error) {
	var b [4]byte
	if _, err := io.ReadFull(s.r, b[:]); err != nil {
		return 0, noEOF(err)
	}
	return binary.LittleEndian.Uint32(b[:]), nil
}

func (s *autoitScript) u64() (uint64, error) {
	var b [8]byte
	if _, err := io.ReadFull(s.r, b[:]); err != nil {
		return 0, noEOF(err)
	}
	return binary.LittleEndian.Uint64(b[:]), nil
}

// token decodes one token into s.out.
func (s *autoitScript) token() error {
	if !s.begun {
		s.begun = true
		n, err := s.u32()
		if err != nil {
			return err
		}
		s.lines = n
	}
	if s.lines == 0 {
		return io.EOF
	}
	op, err := s.r.ReadByte()
	if err == io.EOF {
		return fmt.Errorf("%w: autoit script: %d lines missing", ErrCorrupt, s.lines)
	}
	if err != nil {
		return err
	}
	switch {
	case op == 0 || op == 1:
		id, err := s.u32()
		if err != nil {
			return err
		}
		kind := "KEYWORD"
		if op == 1 {
			kind = "FUNCTION"
		}
		fmt.Fprintf(&s.out, "%s_%d ", kind, id)
	case op == 5:
		v, err := s.u32()
		if err != nil {
			return err
		}
		fmt.Fprintf(&s.out, "0x%08x ", v)
	case op == 0x10:
		v, err := s.u64()
		if err != nil {
			return err
		}
		fmt.Fprintf(&s.out, "0x%016x ", v)
	case op == 0x20:
		v, err := s.u64()
		if err != nil {
			return err
		}
		s.out.WriteString(strconv.FormatFloat(math.Float64frombits(v), 'g', 6, 64))
		s.out.WriteByte(' ')
	case op >= 0x30 && op <= 0x37:
		return s.name(op)
	case op >= 0x40 && op <= 0x58:
		s.out.WriteString(autoitOperators[op-0x40])
		s.out.WriteByte(' ')
	case op == 0x7f:
		s.lines--
		s.out.WriteByte('\n')
	default:
		return fmt.Errorf("%w: autoit script: unknown token 0x%02x", ErrCorrupt, op)
	}
	return nil
}

func (s *autoitScript) name(op byte) error {
	n, err := s.u32()
	if err != nil {
		return err
	}
	if n > autoitMaxToken {
		return fmt.Errorf("%w: autoit script: a name of %d characters", ErrCorrupt, n)
	}
	if c := autoitPrefixes[op-0x30]; c != 0 {
		s.out.WriteByte(c)
	}
	var u [2]byte
	for range n {
		if _, err := io.ReadFull(s.r, u[:]); err != nil {
			return noEOF(err)
		}
		s.out.WriteByte(u[0] ^ byte(n)) // the low byte, as lowBytes keeps
	}
	if op == 0x36 {
		s.out.WriteByte('"')
	}
	if op != 0x34 {
		s.out.WriteByte(' ')
	}
	return nil
}
