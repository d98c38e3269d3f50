// Package x86 is a small interpreter of 32-bit x86 code, for running the
// loader stub of a packed program until it has unpacked the program in
// memory. Instructions are decoded by golang.org/x/arch/x86/x86asm (the
// Go project's decoder, kept with the toolchain's disassembler); this
// package gives the integer instructions stubs use their meaning
// (machine.go: registers, memory and the run loop; exec.go: the
// instructions; flags.go: the arithmetic flags). Anything else
// (floating point, SIMD, system instructions, a fault) stops the run with
// an error: a stub that cannot be followed is never taken as done.
//
// A run is bounded by the caller's step count and by the memory it maps;
// nothing here allocates from what the program asks beyond what the
// caller's hooks allow.
package x86

import (
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/arch/x86/x86asm"
)

// The general registers, in the order x86 encodes them.
const (
	EAX = iota
	ECX
	EDX
	EBX
	ESP
	EBP
	ESI
	EDI
)

// ErrSteps is returned by Run when the step bound is reached.
var ErrSteps = errors.New("x86: step limit reached")

// A Fault is an instruction the interpreter cannot follow: an unmapped
// address, an instruction it does not know, a division by zero.
type Fault struct {
	EIP    uint32
	Reason string
	// Code is the Windows exception code of a fault the processor raises
	// too (an access violation, a division by zero, a breakpoint), for
	// which a program may have a handler; 0 for the interpreter's own
	// limits (an unknown instruction).
	Code uint32
	// Addr is the address an access violation was at.
	Addr uint32
}

// Windows exception codes of faults.
const (
	AccessViolation = 0xc0000005
	DivideByZero    = 0xc0000094
	Breakpoint      = 0x80000003
	// PrivilegedInstruction is raised by the instructions user mode may
	// not run (STI, CLI, HLT, IN, OUT).
	PrivilegedInstruction = 0xc0000096
	IllegalInstruction    = 0xc000001d
)

func (f *Fault) Error() string { return fmt.Sprintf("x86: at %#x: %s", f.EIP, f.Reason) }

// A Region is mapped memory. Trap regions are read-only and not executed:
// control reaching them calls the machine's Trap function (an API stub).
type Region struct {
	Base uint32
	Data []byte
	Trap bool
	// written marks the pages (4 KiB) stored to since mapping.
	written  []bool
	readOnly []bool
	// code holds, per page, the instructions decoded there by their
	// offset in the page (nil until one is); a store drops those it
	// overlaps, so that changed code is decoded again.
	code []*codePage
}

// A codePage holds the instructions decoded in a page by offset, and a
// bit per offset that holds one, so that a store finds the few it drops
// without loading every pointer near it.
type codePage struct {
	at  [pageSize]*inst
	has [pageSize / 64]uint64
}

const (
	pageShift = 12
	pageSize  = 1 << pageShift
	// maxInstLen is the longest x86 instruction.
	maxInstLen = 15
)

// Machine is the processor state and its memory.
type Machine struct {
	R      [8]uint32
	EIP    uint32
	FSBase uint32
	// Flags.
	CF, PF, AF, ZF, SF, OF, DF bool

	regions []*Region
	// Trap is called when control reaches a trap region, at address at;
	// it acts for the code there (typically: pop the return address and
	// arguments, set EAX, set EIP). A non-nil error ends Run with it.
	Trap func(m *Machine, at uint32) error
	// Steps counts executed instructions and traps.
	Steps int
	// Jump, if set, is called when control passes from the instruction
	// (or trap) at from to another page, at to: a jump, call or return
	// there, or falling through a page's end. It sees where code runs
	// without a call per step.
	Jump func(m *Machine, from, to uint32)

	// rep is the repeated string instruction under way at repAt.
	rep   *inst
	repAt uint32

	// pages maps each mapped page to its region, in two levels (by the
	// address's top 10 bits, then the next 10), so that finding an
	// address's region is two loads.
	pages [1 << 10]*[1 << 10]*Region
}

// New returns a machine with no memory mapped.
func New() *Machine { return &Machine{} }

// Map adds a region of size bytes at base, filled from data. Regions must
// not overlap.
func (m *Machine) Map(base uint32, size int, data []byte, trap bool) (*Region, error) {
	if size <= 0 || uint64(base)+uint64(size) > 1<<32 {
		return nil, fmt.Errorf("x86: region %#x+%#x outside 32 bits", base, size)
	}
	for _, r := range m.regions {
		if base < r.Base+uint32(len(r.Data)) && r.Base < base+uint32(size) {
			return nil, fmt.Errorf("x86: region %#x+%#x overlaps %#x", base, size, r.Base)
		}
	}
	pages := (size + 1<<pageShift - 1) >> pageShift
	r := &Region{Base: base, Data: make([]byte, size), Trap: trap, written: make([]bool, pages), readOnly: make([]bool, pages), code: make([]*codePage, pages)}
	copy(r.Data, data)
	m.regions = append(m.regions, r)
	for p := uint64(base) >> pageShift; p < (uint64(base)+uint64(size)+pageSize-1)>>pageShift; p++ {
		t := m.pages[p>>10]
		if t == nil {
			t = new([1 << 10]*Region)
			m.pages[p>>10] = t
		}
		t[p&(1<<10-1)] = r
	}
	return r, nil
}

// Protect makes the pages of [addr, addr+n) read-only or writable, as far
// as they are mapped: a store to a read-only page is an access violation.
func (m *Machine) Protect(addr, n uint32, readOnly bool) {
	for p := addr &^ (1<<pageShift - 1); p-addr&^(1<<pageShift-1) < n; p += 1 << pageShift {
		if r := m.region(p); r != nil {
			r.readOnly[(p-r.Base)>>pageShift] = readOnly
		}
		if p+1<<pageShift < p {
			break
		}
	}
}

// Written reports whether the page holding addr was stored to.
func (m *Machine) Written(addr uint32) bool {
	r := m.region(addr)
	return r != nil && r.written[(addr-r.Base)>>pageShift]
}

// Region returns the region holding addr, or nil.
func (m *Machine) Region(addr uint32) *Region { return m.region(addr) }

func (m *Machine) region(addr uint32) *Region {
	t := m.pages[addr>>22]
	if t == nil {
		return nil
	}
	// A region's last page may be partly outside it.
	if r := t[addr>>pageShift&(1<<10-1)]; r != nil && addr-r.Base < uint32(len(r.Data)) {
		return r
	}
	return nil
}

// slice returns n bytes at addr, within one region; trap regions are
// read-only.
func (m *Machine) slice(addr uint32, n int, write bool) ([]byte, *Region, bool) {
	r := m.region(addr)
	if r == nil || (write && r.Trap) {
		return nil, nil, false
	}
	off := addr - r.Base
	if uint64(off)+uint64(n) > uint64(len(r.Data)) {
		return nil, nil, false
	}
	return r.Data[off : off+uint32(n)], r, true
}

// Read reads n (1, 2 or 4) bytes little-endian at addr.
func (m *Machine) Read(addr uint32, n int) (uint32, error) {
	b, _, ok := m.slice(addr, n, false)
	if !ok {
		return 0, &Fault{EIP: m.EIP, Reason: fmt.Sprintf("read of %d bytes at unmapped %#x", n, addr), Code: AccessViolation, Addr: addr}
	}
	switch n {
	case 4:
		return binary.LittleEndian.Uint32(b), nil
	case 2:
		return uint32(binary.LittleEndian.Uint16(b)), nil
	case 1:
		return uint32(b[0]), nil
	}
	var v uint32
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | uint32(b[i])
	}
	return v, nil
}

// Write stores n (1, 2 or 4) bytes little-endian at addr.
func (m *Machine) Write(addr uint32, n int, v uint32) error {
	b, r, ok := m.slice(addr, n, true)
	if ok && (r.readOnly[(addr-r.Base)>>pageShift] || r.readOnly[(addr+uint32(n)-1-r.Base)>>pageShift]) {
		return &Fault{EIP: m.EIP, Reason: fmt.Sprintf("write of %d bytes at read-only %#x", n, addr), Code: AccessViolation, Addr: addr}
	}
	if !ok {
		return &Fault{EIP: m.EIP, Reason: fmt.Sprintf("write of %d bytes at unmapped %#x", n, addr), Code: AccessViolation, Addr: addr}
	}
	switch n {
	case 4:
		binary.LittleEndian.PutUint32(b, v)
	case 2:
		binary.LittleEndian.PutUint16(b, uint16(v))
	default:
		for i := range b {
			b[i] = byte(v >> (8 * i))
		}
	}
	r.stored(addr-r.Base, uint32(n))
	return nil
}

// stored marks n bytes at offset off as written and drops the decoded
// instructions they overlap: those starting up to maxInstLen-1 bytes
// before them (instructions are cached only within one page).
func (r *Region) stored(off, n uint32) {
	for p, end := off>>pageShift, (off+n-1)>>pageShift; p <= end; p++ {
		r.written[p] = true
		code := r.code[p]
		if code == nil {
			continue
		}
		lo, hi := int64(off)-int64(p<<pageShift)-(maxInstLen-1), int64(off+n)-int64(p<<pageShift)
		for i := max(lo, 0); i < min(hi, pageSize); i++ {
			if w := code.has[i>>6]; w == 0 {
				i |= 63 // none in this word
			} else if w&(1<<(i&63)) != 0 {
				code.has[i>>6] &^= 1 << (i & 63)
				code.at[i] = nil
			}
		}
	}
}

// Bytes returns up to n bytes at addr, as far as one region holds them.
func (m *Machine) Bytes(addr uint32, n int) []byte {
	r := m.region(addr)
	if r == nil || r.Trap {
		return nil
	}
	off := addr - r.Base
	return r.Data[off:min(uint64(len(r.Data)), uint64(off)+uint64(n))]
}

// Push pushes a dword.
func (m *Machine) Push(v uint32) error { return m.push(v, 4) }

// Pop pops a dword.
func (m *Machine) Pop() (uint32, error) { return m.pop(4) }

func (m *Machine) push(v uint32, n int) error {
	m.R[ESP] -= uint32(n)
	return m.Write(m.R[ESP], n, v&mask(n))
}

func (m *Machine) pop(n int) (uint32, error) {
	v, err := m.Read(m.R[ESP], n)
	m.R[ESP] += uint32(n)
	return v, err
}

// Run executes until the Trap function returns an error, a fault, or
// maxSteps more instructions.
func (m *Machine) Run(maxSteps int) error {
	for n := 0; n < maxSteps; n++ {
		r := m.region(m.EIP)
		if r == nil {
			return &Fault{EIP: m.EIP, Reason: "execution of unmapped memory", Code: AccessViolation, Addr: m.EIP}
		}
		if r.Trap {
			if m.Trap == nil {
				return &Fault{EIP: m.EIP, Reason: "call into a trap without a handler"}
			}
			m.Steps++
			at := m.EIP
			if err := m.Trap(m, at); err != nil {
				return err
			}
			if m.Jump != nil && (m.EIP^at)>>pageShift != 0 {
				m.Jump(m, at, m.EIP)
			}
			continue
		}
		off := m.EIP - r.Base
		var in *inst
		if m.rep != nil && m.repAt == m.EIP {
			// A repeated string instruction goes on as it was
			// decoded, whatever it stores over itself (as the
			// processor does: stubs overwrite their own REP STOSB).
			in = m.rep
		} else if code := r.code[off>>pageShift]; code != nil {
			in = code.at[off&(pageSize-1)]
		}
		m.rep = nil
		if in == nil {
			var err error
			if in, err = m.decode(r, off); err != nil {
				return err
			}
		}
		m.Steps++
		at := m.EIP
		if err := m.exec(in); err != nil {
			return err
		}
		if in.class == classString && m.EIP == at {
			m.rep, m.repAt = in, at
		}
		if m.Jump != nil && (m.EIP^at)>>pageShift != 0 {
			m.Jump(m, at, m.EIP)
		}
	}
	return ErrSteps
}

// decode decodes the instruction at offset off of r and keeps it, if it
// lies within one page.
func (m *Machine) decode(r *Region, off uint32) (*inst, error) {
	code := r.Data[off:min(uint32(len(r.Data)), off+maxInstLen)]
	a, err := x86asm.Decode(code, 32)
	if err != nil {
		return nil, &Fault{EIP: m.EIP, Reason: "undecodable instruction: " + err.Error(), Code: IllegalInstruction}
	}
	in := newInst(a)
	if p := off >> pageShift; (off+uint32(a.Len)-1)>>pageShift == p {
		if r.code[p] == nil {
			r.code[p] = new(codePage)
		}
		i := off & (pageSize - 1)
		r.code[p].at[i] = in
		r.code[p].has[i>>6] |= 1 << (i & 63)
	}
	return in, nil
}
