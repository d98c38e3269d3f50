package x86

import (
	"errors"
	"slices"
	"testing"
)

const (
	codeAt  = 0x1000
	dataAt  = 0x8000
	stackAt = 0x10000
)

// run executes code from codeAt with the registers given, up to steps
// instructions, over a page of data at dataAt and a stack below stackAt.
func run(t *testing.T, code []byte, regs map[int]uint32, steps int) (*Machine, error) {
	t.Helper()
	m := New()
	if _, err := m.Map(codeAt, 0x1000, code, false); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Map(dataAt, 0x1000, nil, false); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Map(stackAt-0x1000, 0x1000, nil, false); err != nil {
		t.Fatal(err)
	}
	m.EIP = codeAt
	m.R[ESP] = stackAt
	for r, v := range regs {
		m.R[r] = v
	}
	err := m.Run(steps)
	if errors.Is(err, ErrSteps) {
		err = nil
	}
	return m, err
}

type flags struct{ cf, zf, sf, of bool }

func TestInstructions(t *testing.T) {
	for _, c := range []struct {
		name  string
		code  []byte
		regs  map[int]uint32
		steps int
		want  map[int]uint32
		flags *flags
	}{
		{"add carries", []byte{0x01, 0xd8}, map[int]uint32{EAX: 0xffffffff, EBX: 1}, 1, map[int]uint32{EAX: 0}, &flags{cf: true, zf: true}},
		{"add overflows", []byte{0x01, 0xd8}, map[int]uint32{EAX: 0x7fffffff, EBX: 1}, 1, map[int]uint32{EAX: 0x80000000}, &flags{sf: true, of: true}},
		{"adc adds the carry", []byte{0xf9, 0x11, 0xd8}, map[int]uint32{EAX: 1, EBX: 2}, 2, map[int]uint32{EAX: 4}, &flags{}},
		{"sub borrows", []byte{0x29, 0xd8}, map[int]uint32{EAX: 1, EBX: 2}, 1, map[int]uint32{EAX: 0xffffffff}, &flags{cf: true, sf: true}},
		{"sbb subtracts the borrow", []byte{0xf9, 0x19, 0xd8}, map[int]uint32{EAX: 5, EBX: 2}, 2, map[int]uint32{EAX: 2}, &flags{}},
		{"cmp of bytes", []byte{0x38, 0xd8}, map[int]uint32{EAX: 0x80, EBX: 0x01}, 1, map[int]uint32{EAX: 0x80}, &flags{of: true}},
		{"sub esi, -1 borrows", []byte{0x83, 0xee, 0xff}, map[int]uint32{ESI: 5}, 1, map[int]uint32{ESI: 6}, &flags{cf: true}},
		{"add dl, dl, the high bytes kept", []byte{0x00, 0xd2}, map[int]uint32{EDX: 0x12345681}, 1, map[int]uint32{EDX: 0x12345602}, &flags{cf: true, of: true}},
		{"inc keeps the carry", []byte{0xf9, 0x40}, map[int]uint32{EAX: 0xffffffff}, 2, map[int]uint32{EAX: 0}, &flags{cf: true, zf: true}},
		{"neg", []byte{0xf7, 0xd8}, map[int]uint32{EAX: 1}, 1, map[int]uint32{EAX: 0xffffffff}, &flags{cf: true, sf: true}},
		{"xor clears", []byte{0xf9, 0x31, 0xc0}, map[int]uint32{EAX: 7}, 2, map[int]uint32{EAX: 0}, &flags{zf: true}},
		{"ah", []byte{0xb4, 0x12}, map[int]uint32{EAX: 0xaabbccdd}, 1, map[int]uint32{EAX: 0xaabb12dd}, nil},
		{"shl out of the top", []byte{0xd1, 0xe0}, map[int]uint32{EAX: 0x80000001}, 1, map[int]uint32{EAX: 2}, &flags{cf: true, of: true}},
		{"shr by cl", []byte{0xd3, 0xe8}, map[int]uint32{EAX: 0x13, ECX: 2}, 1, map[int]uint32{EAX: 4}, &flags{cf: true}},
		{"sar keeps the sign", []byte{0xc1, 0xf8, 4}, map[int]uint32{EAX: 0x80000000}, 1, map[int]uint32{EAX: 0xf8000000}, &flags{sf: true}},
		{"shift by 0 keeps the flags", []byte{0xf9, 0xd3, 0xe0}, map[int]uint32{EAX: 1, ECX: 0x20}, 2, map[int]uint32{EAX: 1}, &flags{cf: true}},
		{"rol", []byte{0xd0, 0xc0}, map[int]uint32{EAX: 0x81}, 1, map[int]uint32{EAX: 0x03}, &flags{cf: true, of: true}},
		{"ror", []byte{0xc1, 0xc8, 8}, map[int]uint32{EAX: 0x12345678}, 1, map[int]uint32{EAX: 0x78123456}, nil},
		{"rcl through the carry", []byte{0xf9, 0xd1, 0xd0}, map[int]uint32{EAX: 0x80000000}, 2, map[int]uint32{EAX: 1}, &flags{cf: true, of: true}},
		{"rcr through the carry", []byte{0xf9, 0xd0, 0xd8}, map[int]uint32{EAX: 0x02}, 2, map[int]uint32{EAX: 0x81}, &flags{of: true}},
		{"shld", []byte{0x0f, 0xa4, 0xd8, 4}, map[int]uint32{EAX: 0x10000001, EBX: 0xf0000000}, 1, map[int]uint32{EAX: 0x0000001f}, &flags{cf: true}},
		{"mul", []byte{0xf7, 0xe3}, map[int]uint32{EAX: 0x80000000, EBX: 4}, 1, map[int]uint32{EAX: 0, EDX: 2}, &flags{cf: true, of: true}},
		{"imul truncates", []byte{0x6b, 0xc0, 0xfd}, map[int]uint32{EAX: 5}, 1, map[int]uint32{EAX: 0xfffffff1}, nil},
		{"div", []byte{0xf7, 0xf3}, map[int]uint32{EAX: 7, EDX: 1, EBX: 2}, 1, map[int]uint32{EAX: 0x80000003, EDX: 1}, nil},
		{"idiv of bytes", []byte{0xf6, 0xfb}, map[int]uint32{EAX: 0xfff9, EBX: 2}, 1, map[int]uint32{EAX: 0xfffd}, nil},
		{"movzx, movsx", []byte{0xb3, 0x80, 0x0f, 0xb6, 0xc3, 0x0f, 0xbe, 0xcb}, nil, 3, map[int]uint32{EAX: 0x80, ECX: 0xffffff80}, nil},
		{"lea", []byte{0x8d, 0x44, 0x98, 0x10}, map[int]uint32{EAX: 0x100, EBX: 3}, 1, map[int]uint32{EAX: 0x11c}, nil},
		{"push, pop", []byte{0x6a, 0xfe, 0x5b}, nil, 2, map[int]uint32{EBX: 0xfffffffe, ESP: stackAt}, nil},
		{"pushad, popad", []byte{0x60, 0x31, 0xc0, 0x31, 0xed, 0x61}, map[int]uint32{EAX: 1, EBP: 2}, 4, map[int]uint32{EAX: 1, EBP: 2, ESP: stackAt}, nil},
		{"call, ret", []byte{0xe8, 0x01, 0, 0, 0, 0x90, 0xc3}, nil, 2, map[int]uint32{ESP: stackAt}, nil},
		{"jcc taken", []byte{0x39, 0xd8, 0x72, 0x02, 0xb1, 1, 0xb2, 1}, map[int]uint32{EAX: 1, EBX: 2}, 3, map[int]uint32{ECX: 0, EDX: 1}, nil},
		{"loop", []byte{0x40, 0xe2, 0xfd}, map[int]uint32{ECX: 5}, 10, map[int]uint32{EAX: 5, ECX: 0}, nil},
		{"setcc", []byte{0x39, 0xd8, 0x0f, 0x97, 0xc1}, map[int]uint32{EAX: 3, EBX: 2}, 2, map[int]uint32{ECX: 1}, nil},
		{"bt", []byte{0x0f, 0xba, 0xe0, 4}, map[int]uint32{EAX: 0x10}, 1, nil, &flags{cf: true}},
		{"btr", []byte{0x0f, 0xba, 0xf1, 0x1f}, map[int]uint32{ECX: 0x80001455}, 1, map[int]uint32{ECX: 0x1455}, &flags{cf: true}},
		{"bswap", []byte{0x0f, 0xc8}, map[int]uint32{EAX: 0x11223344}, 1, map[int]uint32{EAX: 0x44332211}, nil},
		{"xchg", []byte{0x87, 0xd8}, map[int]uint32{EAX: 1, EBX: 2}, 1, map[int]uint32{EAX: 2, EBX: 1}, nil},
		{"cdq", []byte{0x99}, map[int]uint32{EAX: 0x80000000}, 1, map[int]uint32{EDX: 0xffffffff}, nil},
		{"rep stosb, rep movsb", []byte{0xf3, 0xaa, 0xbe, 0x00, 0x80, 0, 0, 0xbf, 0x00, 0x81, 0, 0, 0xb1, 3, 0xf3, 0xa4, 0x8b, 0x1d, 0x00, 0x81, 0, 0}, map[int]uint32{EAX: 0x41, ECX: 4, EDI: dataAt}, 11, map[int]uint32{EBX: 0x00414141, ECX: 0, ESI: dataAt + 3}, nil},
		{"repne scasb", []byte{0xf2, 0xae}, map[int]uint32{EAX: 0, ECX: 10, EDI: dataAt}, 1, map[int]uint32{ECX: 9, EDI: dataAt + 1}, &flags{zf: true}},
		{"lodsb backwards", []byte{0xfd, 0xac}, map[int]uint32{ESI: dataAt + 4}, 2, map[int]uint32{ESI: dataAt + 3}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := run(t, c.code, c.regs, c.steps)
			if err != nil {
				t.Fatal(err)
			}
			for r, v := range c.want {
				if m.R[r] != v {
					t.Errorf("register %d: %#x, want %#x", r, m.R[r], v)
				}
			}
			if f := c.flags; f != nil && (m.CF != f.cf || m.ZF != f.zf || m.SF != f.sf || m.OF != f.of) {
				t.Errorf("flags CF %v ZF %v SF %v OF %v, want %+v", m.CF, m.ZF, m.SF, m.OF, *f)
			}
		})
	}
}

func TestFaults(t *testing.T) {
	for _, c := range []struct {
		name string
		code []byte
	}{
		{"unmapped read", []byte{0xa1, 0, 0, 0, 0x50}},
		{"unmapped jump", []byte{0xe9, 0, 0, 0, 0x50}},
		{"division by zero", []byte{0xf7, 0xf1}},
		{"quotient overflow", []byte{0xba, 1, 0, 0, 0, 0xb9, 1, 0, 0, 0, 0xf7, 0xf1}},
		{"undefined", []byte{0x0f, 0x0b}},
		{"floating point", []byte{0xd9, 0xee}},
		{"system", []byte{0xfa}},
		{"interrupt", []byte{0xcd, 0x2e}},
		{"trap region without a handler", []byte{0xe9, 0xfb, 0x6f, 0, 0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := New()
			m.Map(codeAt, 0x1000, c.code, false)
			m.Map(0x8000, 0x1000, nil, true)
			m.EIP = codeAt
			var f *Fault
			if err := m.Run(10); !errors.As(err, &f) {
				t.Errorf("err %v, want a fault", err)
			}
		})
	}
}

func TestStepLimit(t *testing.T) {
	// REP MOVSB is a step per byte, so a long one is bounded too.
	_, err := run(t, []byte{0xf3, 0xa4}, map[int]uint32{ECX: 0xffffffff, ESI: dataAt, EDI: dataAt}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	m := New()
	m.Map(codeAt, 0x1000, []byte{0xeb, 0xfe}, false)
	m.EIP = codeAt
	if err := m.Run(1000); !errors.Is(err, ErrSteps) || m.Steps != 1000 {
		t.Errorf("err %v after %d steps", err, m.Steps)
	}
}

// TestSelfModifying: code the program rewrites is decoded again.
func TestSelfModifying(t *testing.T) {
	// MOV BYTE [codeAt+9], 0x42 (INC EDX); then at 9 a NOP becomes it.
	code := []byte{0xc6, 0x05, 0x09, 0x10, 0, 0, 0x42, 0x90, 0x90, 0x90, 0xeb, 0xf4}
	m, err := run(t, code, nil, 7)
	if err != nil {
		t.Fatal(err)
	}
	if m.R[EDX] != 1 {
		t.Errorf("EDX %d: the rewritten instruction was not run once", m.R[EDX])
	}
}

func TestTrap(t *testing.T) {
	m := New()
	m.Map(codeAt, 0x1000, []byte{0xe8, 0xfb, 0x6f, 0, 0, 0x40}, false) // CALL 0x8000; INC EAX
	m.Map(0x8000, 0x10, nil, true)
	m.Map(stackAt-0x1000, 0x1000, nil, false)
	m.R[ESP] = stackAt
	m.EIP = codeAt
	calls := 0
	m.Trap = func(m *Machine, at uint32) error {
		calls++
		ret, err := m.Pop()
		m.R[EAX], m.EIP = 41, ret
		return err
	}
	var jumps [][2]uint32
	m.Jump = func(_ *Machine, from, to uint32) { jumps = append(jumps, [2]uint32{from, to}) }
	// The trap counts against the bound as a step.
	if err := m.Run(3); !errors.Is(err, ErrSteps) || calls != 1 || m.R[EAX] != 42 || m.Steps != 3 {
		t.Errorf("err %v, %d calls, EAX %d, %d steps", err, calls, m.R[EAX], m.Steps)
	}
	// The call into the trap's page and the trap's return, not the INC
	// within the page.
	if want := [][2]uint32{{codeAt, 0x8000}, {0x8000, codeAt + 5}}; !slices.Equal(jumps, want) {
		t.Errorf("jumps %x, want %x", jumps, want)
	}
	if err := m.Write(0x8000, 1, 0); err == nil {
		t.Error("a trap region was written")
	}
}

// TestRepOverItself: a REP STOSB that stores over its own bytes runs to
// its count, as the processor runs it, and execution goes on at the bytes
// it stored.
func TestRepOverItself(t *testing.T) {
	// MOV EDI, codeAt; MOV ECX, 16; MOV AL, 0x90; REP STOSB; then, over
	// what REP STOSB stored (NOPs up to codeAt+16): INC EBX.
	code := []byte{0xbf, 0, 0x10, 0, 0, 0xb9, 16, 0, 0, 0, 0xb0, 0x90, 0xf3, 0xaa, 0xcc, 0xcc, 0x43}
	m, err := run(t, code, nil, 3+16+3)
	if err != nil || m.R[ECX] != 0 || m.R[EBX] != 1 {
		t.Errorf("err %v, ECX %d, EBX %d", err, m.R[ECX], m.R[EBX])
	}
}

// FuzzRun: any code runs to a fault or the bound, never a panic.
func FuzzRun(f *testing.F) {
	f.Add([]byte{0xf3, 0xa4, 0x60, 0x61, 0xe2, 0xfa, 0xc3})
	f.Add([]byte{0x0f, 0xa4, 0xd8, 4, 0xf7, 0xf3, 0xd3, 0xd0, 0xc8, 4, 0, 0, 0xc9})
	f.Fuzz(func(t *testing.T, code []byte) {
		m := New()
		m.Map(codeAt, 0x1000, code, false)
		m.Map(stackAt-0x1000, 0x1000, nil, false)
		m.R[ESP] = stackAt - 0x800
		m.EIP = codeAt
		m.Run(1000)
	})
}

func TestFaultCodes(t *testing.T) {
	for _, c := range []struct {
		name string
		code []byte
		want uint32
		addr uint32
	}{
		{"read of unmapped memory", []byte{0xa1, 0x34, 0x12, 0, 0x50}, AccessViolation, 0x50001234},
		{"store to a read-only page", []byte{0xa3, 0x10, 0x80, 0, 0}, AccessViolation, dataAt + 0x10},
		{"division by zero", []byte{0x31, 0xc9, 0xf7, 0xf1}, DivideByZero, 0},
		{"breakpoint", []byte{0xcc}, Breakpoint, 0},
		{"an instruction not interpreted", []byte{0xd9, 0xee}, 0, 0},
		{"a privileged instruction", []byte{0xfb}, PrivilegedInstruction, 0},
		{"an invalid instruction", []byte{0xff, 0xff}, IllegalInstruction, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := New()
			m.Map(codeAt, 0x1000, c.code, false)
			m.Map(dataAt, 0x2000, nil, false)
			m.Protect(dataAt, 0x1000, true)
			m.EIP = codeAt
			var f *Fault
			if err := m.Run(10); !errors.As(err, &f) || f.Code != c.want || f.Addr != c.addr {
				t.Errorf("err %v (%+v), want code %#x at %#x", err, f, c.want, c.addr)
			}
		})
	}
	// The page after the read-only one stays writable.
	m := New()
	m.Map(dataAt, 0x2000, nil, false)
	m.Protect(dataAt, 0x1000, true)
	if err := m.Write(dataAt+0x1000, 4, 1); err != nil {
		t.Error(err)
	}
	m.Protect(dataAt, 0x1000, false)
	if err := m.Write(dataAt, 4, 1); err != nil {
		t.Error(err)
	}
}
