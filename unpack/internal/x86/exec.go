package x86

import (
	"math/bits"

	asm "golang.org/x/arch/x86/x86asm"
)

// condOps give each conditional jump, SETcc and CMOVcc its condition
// code (see cond).
var (
	jccOps  = condOps(asm.JO, asm.JNO, asm.JB, asm.JAE, asm.JE, asm.JNE, asm.JBE, asm.JA, asm.JS, asm.JNS, asm.JP, asm.JNP, asm.JL, asm.JGE, asm.JLE, asm.JG)
	setOps  = condOps(asm.SETO, asm.SETNO, asm.SETB, asm.SETAE, asm.SETE, asm.SETNE, asm.SETBE, asm.SETA, asm.SETS, asm.SETNS, asm.SETP, asm.SETNP, asm.SETL, asm.SETGE, asm.SETLE, asm.SETG)
	cmovOps = condOps(asm.CMOVO, asm.CMOVNO, asm.CMOVB, asm.CMOVAE, asm.CMOVE, asm.CMOVNE, asm.CMOVBE, asm.CMOVA, asm.CMOVS, asm.CMOVNS, asm.CMOVP, asm.CMOVNP, asm.CMOVL, asm.CMOVGE, asm.CMOVLE, asm.CMOVG)
)

func condOps(ops ...asm.Op) map[asm.Op]int {
	m := make(map[asm.Op]int, len(ops))
	for i, op := range ops {
		m[op] = i
	}
	return m
}

// stringOps are the string instructions with their element size.
var stringOps = map[asm.Op]int{
	asm.MOVSB: 1, asm.MOVSW: 2, asm.MOVSD: 4,
	asm.STOSB: 1, asm.STOSW: 2, asm.STOSD: 4,
	asm.LODSB: 1, asm.LODSW: 2, asm.LODSD: 4,
	asm.SCASB: 1, asm.SCASW: 2, asm.SCASD: 4,
	asm.CMPSB: 1, asm.CMPSW: 2, asm.CMPSD: 4,
}

func (m *Machine) fault(in *inst, reason string) error { return m.raise(in, reason, 0) }

// raise is fault for a fault the processor raises too, with its code.
func (m *Machine) raise(in *inst, reason string, code uint32) error {
	return &Fault{EIP: m.EIP, Reason: reason + ": " + asm.IntelSyntax(in.Inst, uint64(m.EIP), nil), Code: code}
}

// reg returns a general register's index, size and whether it is a high
// byte (AH to BH).
func reg(r asm.Reg) (idx, size int, high, ok bool) {
	switch {
	case r >= asm.AL && r <= asm.BH:
		return int(r-asm.AL) & 3, 1, r >= asm.AH, true
	case r >= asm.AX && r <= asm.DI:
		return int(r - asm.AX), 2, false, true
	case r >= asm.EAX && r <= asm.EDI:
		return int(r - asm.EAX), 4, false, true
	}
	return 0, 0, false, false
}

func (m *Machine) getReg(r asm.Reg) uint32 {
	i, size, high, _ := reg(r)
	v := m.R[i]
	if high {
		v >>= 8
	}
	return v & mask(size)
}

func (m *Machine) setReg(r asm.Reg, v uint32) {
	i, size, high, _ := reg(r)
	switch {
	case size == 4:
		m.R[i] = v
	case high:
		m.R[i] = m.R[i]&^0xff00 | (v&0xff)<<8
	default:
		m.R[i] = m.R[i]&^mask(size) | v&mask(size)
	}
}

// get and set read and write a register operand.
func (m *Machine) get(o *operand) uint32 {
	v := m.R[o.reg]
	if o.high {
		v >>= 8
	}
	return v & mask(int(o.size))
}

func (m *Machine) set(o *operand, v uint32) {
	switch {
	case o.size == 4:
		m.R[o.reg] = v
	case o.high:
		m.R[o.reg] = m.R[o.reg]&^0xff00 | (v&0xff)<<8
	default:
		m.R[o.reg] = m.R[o.reg]&^mask(int(o.size)) | v&mask(int(o.size))
	}
}

// addr computes a memory operand's linear address; seg adds the FS
// segment's base when the operand names it.
func (m *Machine) addr(in *inst, o *operand, seg bool) (uint32, error) {
	if o.bad != "" {
		return 0, m.fault(in, o.bad)
	}
	v := o.imm
	if o.base >= 0 {
		v += m.R[o.base]
	}
	if o.index >= 0 {
		v += m.R[o.index] * uint32(o.scale)
	}
	if seg && o.fs {
		v += m.FSBase
	}
	return v, nil
}

// size is an operand's size in bytes (0 for an immediate, which takes
// its size from the other operand).
func size(in *asm.Inst, a asm.Arg) int {
	switch a := a.(type) {
	case asm.Reg:
		_, s, _, _ := reg(a)
		return s
	case asm.Mem:
		return in.MemBytes
	}
	return 0
}

func (m *Machine) read(in *inst, o *operand, n int) (uint32, error) {
	switch o.kind {
	case argReg:
		return m.get(o), nil
	case argMem:
		at, err := m.addr(in, o, true)
		if err != nil {
			return 0, err
		}
		return m.Read(at, n)
	case argImm:
		return o.imm & mask(n), nil
	case argOther:
		return 0, m.fault(in, "register")
	}
	return 0, m.fault(in, "operand")
}

func (m *Machine) write(in *inst, o *operand, n int, v uint32) error {
	switch o.kind {
	case argReg:
		m.set(o, v)
		return nil
	case argMem:
		at, err := m.addr(in, o, true)
		if err != nil {
			return err
		}
		return m.Write(at, n, v&mask(n))
	case argOther:
		return m.fault(in, "register")
	}
	return m.fault(in, "destination")
}

// operands reads the first two operands.
func (m *Machine) operands(in *inst, n int) (x, y uint32, err error) {
	if x, err = m.read(in, &in.args[0], n); err != nil {
		return 0, 0, err
	}
	y, err = m.read(in, &in.args[1], n)
	return x, y, err
}

func repeated(in *inst) (rep, repn bool) {
	for _, p := range in.Prefix {
		if p == 0 {
			break
		}
		if p&asm.PrefixIgnored != 0 {
			continue
		}
		switch p & 0xff {
		case 0xf3:
			rep = true
		case 0xf2:
			repn = true
		}
	}
	return rep, repn
}

// exec runs one instruction at EIP.
func (m *Machine) exec(in *inst) error {
	next := m.EIP + uint32(in.Len)
	a0, a1 := &in.args[0], &in.args[1]
	n := in.n
	switch in.class {
	case classJcc:
		if m.cond(int(in.cc)) {
			next += a0.imm
		}
		m.EIP = next
		return nil
	case classSet:
		v := uint32(0)
		if m.cond(int(in.cc)) {
			v = 1
		}
		if err := m.write(in, a0, 1, v); err != nil {
			return err
		}
		m.EIP = next
		return nil
	case classCmov:
		v, err := m.read(in, a1, n)
		if err != nil {
			return err
		}
		if m.cond(int(in.cc)) {
			m.set(a0, v)
		}
		m.EIP = next
		return nil
	case classString:
		return m.stringOp(in, int(in.cc), next)
	}
	switch in.Op {
	case asm.NOP, asm.PAUSE, asm.FNOP:
	case asm.MOV:
		v, err := m.read(in, a1, n)
		if err != nil {
			return err
		}
		if err := m.write(in, a0, n, v); err != nil {
			return err
		}
	case asm.MOVZX, asm.MOVSX:
		sn := int(a1.size)
		if a1.kind == argMem {
			sn = in.MemBytes
		}
		v, err := m.read(in, a1, sn)
		if err != nil {
			return err
		}
		if in.Op == asm.MOVSX && v&sign(sn) != 0 {
			v |= ^mask(sn)
		}
		m.set(a0, v)
	case asm.LEA:
		if a1.kind != argMem {
			return m.fault(in, "operand")
		}
		v, err := m.addr(in, a1, false)
		if err != nil {
			return err
		}
		m.set(a0, v)
	case asm.XCHG:
		x, y, err := m.operands(in, n)
		if err != nil {
			return err
		}
		if err := m.write(in, a0, n, y); err != nil {
			return err
		}
		if err := m.write(in, a1, n, x); err != nil {
			return err
		}
	case asm.PUSH:
		w := in.DataSize / 8
		v, err := m.read(in, a0, w)
		if err != nil {
			return err
		}
		if err := m.push(v, w); err != nil {
			return err
		}
	case asm.POP:
		w := in.DataSize / 8
		v, err := m.pop(w)
		if err != nil {
			return err
		}
		if err := m.write(in, a0, w, v); err != nil {
			return err
		}
	case asm.PUSHF:
		if err := m.push(m.Flags(), 2); err != nil {
			return err
		}
	case asm.POPF:
		v, err := m.pop(2)
		if err != nil {
			return err
		}
		m.SetFlags(m.Flags()&^0xffff | v)
	case asm.PUSHAD:
		sp := m.R[ESP]
		for i := EAX; i <= EDI; i++ {
			v := m.R[i]
			if i == ESP {
				v = sp
			}
			if err := m.Push(v); err != nil {
				return err
			}
		}
	case asm.POPAD:
		for i := EDI; i >= EAX; i-- {
			v, err := m.Pop()
			if err != nil {
				return err
			}
			if i != ESP {
				m.R[i] = v
			}
		}
	case asm.PUSHFD:
		if err := m.Push(m.Flags()); err != nil {
			return err
		}
	case asm.POPFD:
		v, err := m.Pop()
		if err != nil {
			return err
		}
		m.SetFlags(v)
	case asm.LAHF:
		m.setReg(asm.AH, m.Flags())
	case asm.SAHF:
		f := m.Flags()&^0xff | m.getReg(asm.AH)
		m.SetFlags(f)
	case asm.ADD, asm.ADC, asm.SUB, asm.SBB, asm.CMP, asm.AND, asm.OR, asm.XOR, asm.TEST:
		x, y, err := m.operands(in, n)
		if err != nil {
			return err
		}
		var r uint32
		switch in.Op {
		case asm.ADD:
			r = m.add(x, y, false, n)
		case asm.ADC:
			r = m.add(x, y, m.CF, n)
		case asm.SUB, asm.CMP:
			r = m.sub(x, y, false, n)
		case asm.SBB:
			r = m.sub(x, y, m.CF, n)
		case asm.AND, asm.TEST:
			r = m.logic(x&y, n)
		case asm.OR:
			r = m.logic(x|y, n)
		case asm.XOR:
			r = m.logic(x^y, n)
		}
		if in.Op != asm.CMP && in.Op != asm.TEST {
			if err := m.write(in, a0, n, r); err != nil {
				return err
			}
		}
	case asm.INC, asm.DEC, asm.NEG, asm.NOT:
		x, err := m.read(in, a0, n)
		if err != nil {
			return err
		}
		var r uint32
		switch in.Op {
		case asm.INC, asm.DEC:
			cf := m.CF
			if in.Op == asm.INC {
				r = m.add(x, 1, false, n)
			} else {
				r = m.sub(x, 1, false, n)
			}
			m.CF = cf
		case asm.NEG:
			r = m.sub(0, x, false, n)
		case asm.NOT:
			r = ^x
		}
		if err := m.write(in, a0, n, r); err != nil {
			return err
		}
	case asm.SHL, asm.SHR, asm.SAR, asm.ROL, asm.ROR, asm.RCL, asm.RCR:
		x, err := m.read(in, a0, n)
		if err != nil {
			return err
		}
		c, err := m.read(in, a1, 1)
		if err != nil {
			return err
		}
		if err := m.write(in, a0, n, m.shift(in.Op, x, c&0x1f, n)); err != nil {
			return err
		}
	case asm.SHLD, asm.SHRD:
		if n != 4 {
			return m.fault(in, "16-bit double shift")
		}
		x, y, err := m.operands(in, 4)
		if err != nil {
			return err
		}
		c, err := m.read(in, &in.args[2], 1)
		if err != nil {
			return err
		}
		if c &= 31; c != 0 {
			var r uint32
			if in.Op == asm.SHLD {
				r = x<<c | y>>(32-c)
				m.CF = x>>(32-c)&1 != 0
			} else {
				r = x>>c | y<<(32-c)
				m.CF = x>>(c-1)&1 != 0
			}
			m.OF = (r^x)&sign(4) != 0
			m.setSZP(r, 4)
			if err := m.write(in, a0, 4, r); err != nil {
				return err
			}
		}
	case asm.MUL, asm.IMUL, asm.DIV, asm.IDIV:
		if err := m.mulDiv(in, n); err != nil {
			return err
		}
	case asm.CDQ:
		m.R[EDX] = uint32(int32(m.R[EAX]) >> 31)
	case asm.CWDE:
		m.R[EAX] = uint32(int32(int16(m.R[EAX])))
	case asm.CBW:
		m.setReg(asm.AX, uint32(int16(int8(m.R[EAX]))))
	case asm.CWD:
		m.setReg(asm.DX, uint32(int32(int16(m.R[EAX]))>>16))
	case asm.JMP, asm.CALL:
		var target uint32
		if a0.kind == argRel {
			target = next + a0.imm
		} else {
			v, err := m.read(in, a0, 4)
			if err != nil {
				return err
			}
			target = v
		}
		if in.Op == asm.CALL {
			if err := m.Push(next); err != nil {
				return err
			}
		}
		next = target
	case asm.RET:
		v, err := m.Pop()
		if err != nil {
			return err
		}
		if a0.kind == argImm {
			m.R[ESP] += a0.imm
		}
		next = v
	case asm.LOOP, asm.LOOPE, asm.LOOPNE:
		m.R[ECX]--
		take := m.R[ECX] != 0
		switch in.Op {
		case asm.LOOPE:
			take = take && m.ZF
		case asm.LOOPNE:
			take = take && !m.ZF
		}
		if take {
			next += a0.imm
		}
	case asm.JECXZ:
		if m.R[ECX] == 0 {
			next += a0.imm
		}
	case asm.CLD:
		m.DF = false
	case asm.STD:
		m.DF = true
	case asm.CLC:
		m.CF = false
	case asm.STC:
		m.CF = true
	case asm.CMC:
		m.CF = !m.CF
	case asm.LEAVE:
		m.R[ESP] = m.R[EBP]
		v, err := m.Pop()
		if err != nil {
			return err
		}
		m.R[EBP] = v
	case asm.ENTER:
		if a1.imm != 0 {
			return m.fault(in, "nested frame")
		}
		if err := m.Push(m.R[EBP]); err != nil {
			return err
		}
		m.R[EBP] = m.R[ESP]
		m.R[ESP] -= a0.imm
	case asm.BT, asm.BTS, asm.BTR, asm.BTC:
		if err := m.bitTest(in, n); err != nil {
			return err
		}
	case asm.BSF, asm.BSR:
		v, err := m.read(in, a1, n)
		if err != nil {
			return err
		}
		m.ZF = v == 0
		if v != 0 {
			r := uint32(bits.TrailingZeros32(v))
			if in.Op == asm.BSR {
				r = uint32(31 - bits.LeadingZeros32(v))
			}
			m.set(a0, r)
		}
	case asm.BSWAP:
		m.set(a0, bits.ReverseBytes32(m.get(a0)))
	case asm.XADD:
		x, y, err := m.operands(in, n)
		if err != nil {
			return err
		}
		r := m.add(x, y, false, n)
		if err := m.write(in, a1, n, x); err != nil {
			return err
		}
		if err := m.write(in, a0, n, r); err != nil {
			return err
		}
	case asm.CMPXCHG:
		x, err := m.read(in, a0, n)
		if err != nil {
			return err
		}
		acc := m.R[EAX] & mask(n)
		m.sub(acc, x, false, n)
		if m.ZF {
			y, err := m.read(in, a1, n)
			if err != nil {
				return err
			}
			if err := m.write(in, a0, n, y); err != nil {
				return err
			}
		} else {
			m.R[EAX] = m.R[EAX]&^mask(n) | x
		}
	case asm.XLATB:
		v, err := m.Read(m.R[EBX]+m.R[EAX]&0xff, 1)
		if err != nil {
			return err
		}
		m.setReg(asm.AL, v)
	case asm.STI, asm.CLI, asm.HLT, asm.IN, asm.OUT, asm.INSB, asm.INSD, asm.OUTSB, asm.OUTSD:
		// Not allowed in user mode: Windows raises an exception, which
		// stubs use to reach a handler.
		return m.raise(in, "privileged instruction", PrivilegedInstruction)
	case asm.INT:
		if a0.imm == 3 {
			return m.raise(in, "breakpoint", Breakpoint)
		}
		return m.fault(in, "interrupt")
	case asm.RDTSC:
		// A clock that advances with the program, the same every run.
		m.R[EAX], m.R[EDX] = uint32(m.Steps)*16, 0
	default:
		return m.fault(in, "instruction not interpreted")
	}
	m.EIP = next
	return nil
}

// shift computes the shifts and rotations by c (already masked to 5
// bits), setting CF and OF as the processor does for a count of 1 and
// leaving the flags alone for a count of 0.
func (m *Machine) shift(op asm.Op, x, c uint32, n int) uint32 {
	w := uint32(8 * n)
	mk := mask(n)
	x &= mk
	if c == 0 {
		return x
	}
	msb := func(v uint32) bool { return v&sign(n) != 0 }
	var r uint32
	switch op {
	case asm.SHL:
		r = uint32(uint64(x)<<c) & mk
		m.CF = c <= w && uint64(x)>>(w-c)&1 != 0
		m.OF = msb(r) != m.CF
		m.setSZP(r, n)
	case asm.SHR:
		r = uint32(uint64(x) >> c)
		m.CF = uint64(x)>>(c-1)&1 != 0
		m.OF = msb(x)
		m.setSZP(r, n)
	case asm.SAR:
		sx := int64(x)
		if msb(x) {
			sx -= int64(mk) + 1
		}
		r = uint32(sx>>c) & mk
		m.CF = sx>>(c-1)&1 != 0
		m.OF = false
		m.setSZP(r, n)
	case asm.ROL, asm.ROR:
		k := c % w
		r = x
		if k != 0 {
			if op == asm.ROL {
				r = (x<<k | x>>(w-k)) & mk
			} else {
				r = (x>>k | x<<(w-k)) & mk
			}
		}
		if op == asm.ROL {
			m.CF = r&1 != 0
			m.OF = msb(r) != m.CF
		} else {
			m.CF = msb(r)
			m.OF = msb(r) != (r&(sign(n)>>1) != 0)
		}
	case asm.RCL, asm.RCR:
		r = x
		for k := c % (w + 1); k > 0; k-- {
			if op == asm.RCL {
				out := msb(r)
				r = (r << 1) & mk
				if m.CF {
					r |= 1
				}
				m.CF = out
			} else {
				out := r&1 != 0
				r >>= 1
				if m.CF {
					r |= sign(n)
				}
				m.CF = out
			}
		}
		if op == asm.RCL {
			m.OF = msb(r) != m.CF
		} else {
			m.OF = msb(r) != (r&(sign(n)>>1) != 0)
		}
	}
	return r
}

func (m *Machine) mulDiv(in *inst, n int) error {
	a0 := &in.args[0]
	if in.Op == asm.IMUL && in.args[1].kind != argNone {
		// The two- and three-operand forms: a truncated signed product.
		x, err := m.read(in, &in.args[1], n)
		if err != nil {
			return err
		}
		y := m.get(a0)
		if in.args[2].kind != argNone {
			if y, err = m.read(in, &in.args[2], n); err != nil {
				return err
			}
		}
		p := signed(x, n) * signed(y, n)
		r := uint32(p) & mask(n)
		m.CF = p != signed(r, n)
		m.OF = m.CF
		m.set(a0, r)
		return nil
	}
	src, err := m.read(in, a0, n)
	if err != nil {
		return err
	}
	w := 8 * n
	// The double-width accumulator: AX, DX:AX or EDX:EAX.
	var acc uint64
	switch n {
	case 1:
		acc = uint64(m.R[EAX] & 0xffff)
	case 2:
		acc = uint64(m.R[EDX]&0xffff)<<16 | uint64(m.R[EAX]&0xffff)
	default:
		acc = uint64(m.R[EDX])<<32 | uint64(m.R[EAX])
	}
	var lo, hi uint64
	switch in.Op {
	case asm.MUL:
		p := uint64(m.R[EAX]&mask(n)) * uint64(src)
		lo, hi = p&uint64(mask(n)), p>>w
		m.CF = hi != 0
		m.OF = m.CF
	case asm.IMUL:
		p := signed(m.R[EAX]&mask(n), n) * signed(src, n)
		lo, hi = uint64(p)&uint64(mask(n)), uint64(p>>w)&uint64(mask(n))
		m.CF = p != signed(uint32(lo), n)
		m.OF = m.CF
	case asm.DIV:
		if src == 0 {
			return m.raise(in, "division by zero", DivideByZero)
		}
		q := acc / uint64(src)
		if q > uint64(mask(n)) {
			return m.raise(in, "quotient overflow", DivideByZero)
		}
		lo, hi = q, acc%uint64(src)
	case asm.IDIV:
		if src == 0 {
			return m.raise(in, "division by zero", DivideByZero)
		}
		sacc := int64(acc)
		if n < 4 {
			sacc = int64(acc<<(64-2*w)) >> (64 - 2*w)
		}
		d := signed(src, n)
		q := sacc / d
		if q != signed(uint32(q), n) || (n == 4 && (q > 1<<31-1 || q < -1<<31)) {
			return m.raise(in, "quotient overflow", DivideByZero)
		}
		lo, hi = uint64(q)&uint64(mask(n)), uint64(sacc%d)&uint64(mask(n))
	}
	switch n {
	case 1:
		m.setReg(asm.AX, uint32(hi<<8|lo))
	case 2:
		m.setReg(asm.AX, uint32(lo))
		m.setReg(asm.DX, uint32(hi))
	default:
		m.R[EAX], m.R[EDX] = uint32(lo), uint32(hi)
	}
	return nil
}

func signed(v uint32, n int) int64 {
	v &= mask(n)
	if v&sign(n) != 0 {
		return int64(v) - int64(mask(n)) - 1
	}
	return int64(v)
}

func (m *Machine) bitTest(in *inst, n int) error {
	a0 := &in.args[0]
	off, err := m.read(in, &in.args[1], n)
	if err != nil {
		return err
	}
	if a0.kind == argMem && in.args[1].kind == argReg {
		// A register offset reaches past the operand, in whole
		// operands, signed.
		mem := *a0
		mem.imm += uint32(int32(signed(off, n))>>(3+bits.TrailingZeros(uint(n)))) * uint32(n)
		a0 = &mem
	}
	off &= uint32(8*n - 1)
	v, err := m.read(in, a0, n)
	if err != nil {
		return err
	}
	m.CF = v>>off&1 != 0
	switch in.Op {
	case asm.BTS:
		v |= 1 << off
	case asm.BTR:
		v &^= 1 << off
	case asm.BTC:
		v ^= 1 << off
	default:
		return nil
	}
	return m.write(in, a0, n, v)
}

// stringOp runs one element of a string instruction; under a REP prefix
// EIP stays on the instruction until ECX runs out, so that every element
// is a step.
func (m *Machine) stringOp(in *inst, n int, next uint32) error {
	rep, repn := repeated(in)
	if (rep || repn) && m.R[ECX] == 0 {
		m.EIP = next
		return nil
	}
	d := uint32(n)
	if m.DF {
		d = -d
	}
	switch in.Op {
	case asm.MOVSB, asm.MOVSW, asm.MOVSD:
		v, err := m.Read(m.R[ESI], n)
		if err != nil {
			return err
		}
		if err := m.Write(m.R[EDI], n, v); err != nil {
			return err
		}
		m.R[ESI] += d
		m.R[EDI] += d
	case asm.STOSB, asm.STOSW, asm.STOSD:
		if err := m.Write(m.R[EDI], n, m.R[EAX]&mask(n)); err != nil {
			return err
		}
		m.R[EDI] += d
	case asm.LODSB, asm.LODSW, asm.LODSD:
		v, err := m.Read(m.R[ESI], n)
		if err != nil {
			return err
		}
		m.R[EAX] = m.R[EAX]&^mask(n) | v
		m.R[ESI] += d
	case asm.SCASB, asm.SCASW, asm.SCASD:
		v, err := m.Read(m.R[EDI], n)
		if err != nil {
			return err
		}
		m.sub(m.R[EAX], v, false, n)
		m.R[EDI] += d
	case asm.CMPSB, asm.CMPSW, asm.CMPSD:
		x, err := m.Read(m.R[ESI], n)
		if err != nil {
			return err
		}
		y, err := m.Read(m.R[EDI], n)
		if err != nil {
			return err
		}
		m.sub(x, y, false, n)
		m.R[ESI] += d
		m.R[EDI] += d
	}
	if !rep && !repn {
		m.EIP = next
		return nil
	}
	m.R[ECX]--
	done := m.R[ECX] == 0
	switch in.Op {
	case asm.SCASB, asm.SCASW, asm.SCASD, asm.CMPSB, asm.CMPSW, asm.CMPSD:
		done = done || (rep && !m.ZF) || (repn && m.ZF)
	}
	if done {
		m.EIP = next
	}
	return nil
}
