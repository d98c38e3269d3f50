package x86

import "math/bits"

func mask(size int) uint32 {
	if size == 4 {
		return 0xffffffff
	}
	return 1<<(8*size) - 1
}

func sign(size int) uint32 { return 1 << (8*size - 1) }

// setSZP sets the sign, zero and parity flags from a result.
func (m *Machine) setSZP(v uint32, size int) {
	v &= mask(size)
	m.ZF = v == 0
	m.SF = v&sign(size) != 0
	m.PF = bits.OnesCount8(uint8(v))%2 == 0
}

// add computes a+b+carry with the flags ADD and ADC set.
func (m *Machine) add(a, b uint32, carry bool, size int) uint32 {
	mk := mask(size)
	a, b = a&mk, b&mk
	c := uint64(0)
	if carry {
		c = 1
	}
	wide := uint64(a) + uint64(b) + c
	r := uint32(wide) & mk
	m.CF = wide > uint64(mk)
	m.OF = (a^r)&(b^r)&sign(size) != 0
	m.AF = (a^b^r)&0x10 != 0
	m.setSZP(r, size)
	return r
}

// sub computes a-b-borrow with the flags SUB, SBB and CMP set.
func (m *Machine) sub(a, b uint32, borrow bool, size int) uint32 {
	mk := mask(size)
	a, b = a&mk, b&mk
	c := uint64(0)
	if borrow {
		c = 1
	}
	r := uint32(uint64(a)-uint64(b)-c) & mk
	m.CF = uint64(a) < uint64(b)+c
	m.OF = (a^b)&(a^r)&sign(size) != 0
	m.AF = (a^b^r)&0x10 != 0
	m.setSZP(r, size)
	return r
}

// logic sets the flags of AND, OR, XOR and TEST.
func (m *Machine) logic(r uint32, size int) uint32 {
	m.CF, m.OF, m.AF = false, false, false
	m.setSZP(r, size)
	return r & mask(size)
}

// Flags returns EFLAGS as PUSHFD stores it.
func (m *Machine) Flags() uint32 {
	v := uint32(0x202) // reserved bit 1, interrupts enabled
	for _, f := range []struct {
		set bool
		bit uint32
	}{{m.CF, 0}, {m.PF, 2}, {m.AF, 4}, {m.ZF, 6}, {m.SF, 7}, {m.DF, 10}, {m.OF, 11}} {
		if f.set {
			v |= 1 << f.bit
		}
	}
	return v
}

// SetFlags loads the flags POPFD and SAHF restore.
func (m *Machine) SetFlags(v uint32) {
	m.CF, m.PF, m.AF, m.ZF, m.SF = v&1 != 0, v&4 != 0, v&0x10 != 0, v&0x40 != 0, v&0x80 != 0
	m.DF, m.OF = v&0x400 != 0, v&0x800 != 0
}

// cond evaluates a condition code, in x86's encoding order (O, NO, B,
// AE, E, NE, BE, A, S, NS, P, NP, L, GE, LE, G).
func (m *Machine) cond(cc int) bool {
	var r bool
	switch cc >> 1 {
	case 0:
		r = m.OF
	case 1:
		r = m.CF
	case 2:
		r = m.ZF
	case 3:
		r = m.CF || m.ZF
	case 4:
		r = m.SF
	case 5:
		r = m.PF
	case 6:
		r = m.SF != m.OF
	case 7:
		r = m.ZF || m.SF != m.OF
	}
	if cc&1 != 0 {
		return !r
	}
	return r
}
