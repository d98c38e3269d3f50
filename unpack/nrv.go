package unpack

import (
	"encoding/binary"
	"errors"
)

// UCL's NRV2B, NRV2D and NRV2E, the methods UPX packs with, from UCL's
// published algorithms (the 32-bit little-endian bit-buffer forms UPX's
// win32 stubs use). All three share the bit stream: a 1 bit is a literal
// byte; a 0 bit a match, its offset in an Elias-gamma-like code with a
// low byte, then its length. They differ in how the codes are read: NRV2D
// and NRV2E read the offset code two bits at a time and keep a length bit
// in the offset's low bit, NRV2E codes the length in more steps.

var errNRV = errors.New("nrv: invalid data")

type nrvMethod int

const (
	nrvB nrvMethod = iota
	nrvD
	nrvE
)

// nrvReader reads the bit stream: 32-bit little-endian words of bits,
// most significant first, interleaved with the literal and offset bytes.
type nrvReader struct {
	in  []byte
	ip  int
	bb  uint32
	bc  int
	bad bool
}

func (r *nrvReader) bit() uint32 {
	if r.bc == 0 {
		if r.ip+4 > len(r.in) {
			r.bad = true
			return 0
		}
		r.bb = binary.LittleEndian.Uint32(r.in[r.ip:])
		r.ip += 4
		r.bc = 32
	}
	r.bc--
	return r.bb >> r.bc & 1
}

func (r *nrvReader) byte() uint32 {
	if r.ip >= len(r.in) {
		r.bad = true
		return 0
	}
	r.ip++
	return uint32(r.in[r.ip-1])
}

// gamma reads a code of the form 1 b (0 b)* 1 starting from v: each step
// doubles v and adds a bit, until a 1 ends it. It fails past limit.
func (r *nrvReader) gamma(v, limit uint32) uint32 {
	for !r.bad {
		v = v*2 + r.bit()
		if v > limit {
			r.bad = true
			return 0
		}
		if r.bit() == 1 {
			break
		}
	}
	return v
}

// unNRV decompresses in with method into at most max bytes. The output
// so far is returned with errNRV when the stream is damaged or would
// write past max.
func unNRV(method nrvMethod, in []byte, max int) ([]byte, error) {
	out := make([]byte, 0, max)
	r := &nrvReader{in: in}
	const offLimit = 0x1000002 // the end marker's code, the largest offset's
	lastOff := uint32(1)
	for {
		for r.bit() == 1 && !r.bad {
			if len(out) >= max {
				return out, errNRV
			}
			out = append(out, byte(r.byte()))
		}
		if r.bad {
			return out, errNRV
		}
		var off, n uint32
		lenBit := uint32(0)
		if method == nrvB {
			off = r.gamma(1, offLimit)
		} else {
			// Two bits a step: after a 0 the code goes on as 2(v-1)+b.
			off = 1
			for !r.bad {
				off = off*2 + r.bit()
				if r.bit() == 1 {
					break
				}
				off = (off-1)*2 + r.bit()
				if off > offLimit {
					r.bad = true
				}
			}
		}
		if r.bad {
			return out, errNRV
		}
		if off == 2 {
			off = lastOff
			if method != nrvB {
				lenBit = r.bit()
			}
		} else {
			off = (off-3)*256 + r.byte()
			if r.bad {
				return out, errNRV
			}
			if off == 0xffffffff {
				return out, nil
			}
			if method != nrvB {
				lenBit = ^off & 1
				off >>= 1
			}
			off++
			lastOff = off
		}
		far := uint32(0xd00)
		if method != nrvB {
			far = 0x500
		}
		switch method {
		case nrvB:
			n = r.bit()*2 + r.bit()
			if n == 0 {
				n = r.gamma(1, 1<<24) + 2
			}
		case nrvD:
			n = lenBit*2 + r.bit()
			if n == 0 {
				n = r.gamma(1, 1<<24) + 2
			}
		case nrvE:
			switch {
			case lenBit == 1:
				n = 1 + r.bit()
			case r.bit() == 1:
				n = 3 + r.bit()
			default:
				n = r.gamma(1, 1<<24) + 3
			}
		}
		if r.bad {
			return out, errNRV
		}
		if off > far {
			n++
		}
		n++
		if off > uint32(len(out)) || len(out)+int(n) > max {
			return out, errNRV
		}
		from := len(out) - int(off)
		for k := 0; k < int(n); k++ {
			out = append(out, out[from+k])
		}
	}
}
