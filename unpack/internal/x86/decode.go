package x86

import asm "golang.org/x/arch/x86/x86asm"

// An inst is a decoded instruction with what exec needs worked out once,
// when it is decoded: its class (so that the conditional and string
// instructions need no lookup per step), its operand size and its
// operands in a form read without type switches.
type inst struct {
	asm.Inst
	class uint8
	// cc is the condition code of a classJcc, classSet or classCmov
	// instruction, the element size of a classString one.
	cc   uint8
	n    int // the operand size in bytes
	args [3]operand
}

const (
	classOther = iota
	classJcc
	classSet
	classCmov
	classString
)

// An operand of an inst.
type operand struct {
	kind uint8
	// reg, size and high: a general register's index, size in bytes and
	// whether it is a high byte (AH to BH).
	reg, size uint8
	high      bool
	// base and index registers of a memory operand, -1 for none; fs
	// adds the FS segment's base.
	base, index int8
	scale       uint8
	fs          bool
	// bad says why a memory operand cannot be addressed here (16-bit
	// addressing, GS, a base that is not a general register).
	bad string
	// imm is an immediate, a relative jump's displacement or a memory
	// operand's displacement.
	imm uint32
}

const (
	argNone = iota
	argReg
	argMem
	argImm
	argRel
	argOther // a register the interpreter does not give (segment, x87, SIMD)
)

func newInst(a asm.Inst) *inst {
	in := &inst{Inst: a}
	if cc, ok := jccOps[a.Op]; ok {
		in.class, in.cc = classJcc, uint8(cc)
	} else if cc, ok := setOps[a.Op]; ok {
		in.class, in.cc = classSet, uint8(cc)
	} else if cc, ok := cmovOps[a.Op]; ok {
		in.class, in.cc = classCmov, uint8(cc)
	} else if es, ok := stringOps[a.Op]; ok {
		in.class, in.cc = classString, uint8(es)
	}
	for i := range in.args {
		in.args[i] = newOperand(&a, a.Args[i])
	}
	in.n = size(&a, a.Args[0])
	if in.n == 0 {
		in.n = a.DataSize / 8
	}
	return in
}

func newOperand(in *asm.Inst, a asm.Arg) operand {
	o := operand{base: -1, index: -1}
	switch a := a.(type) {
	case nil:
	case asm.Reg:
		idx, size, high, ok := reg(a)
		if !ok {
			o.kind = argOther
			break
		}
		o.kind, o.reg, o.size, o.high = argReg, uint8(idx), uint8(size), high
	case asm.Imm:
		o.kind, o.imm = argImm, uint32(a)
	case asm.Rel:
		o.kind, o.imm = argRel, uint32(a)
	case asm.Mem:
		o.kind, o.imm, o.scale = argMem, uint32(a.Disp), a.Scale
		if in.AddrSize != 32 {
			o.bad = "16-bit addressing"
		}
		if a.Base != 0 {
			idx, size, _, ok := reg(a.Base)
			if !ok || size != 4 {
				o.bad = "base register"
			}
			o.base = int8(idx)
		}
		if a.Index != 0 {
			idx, size, _, ok := reg(a.Index)
			if !ok || size != 4 {
				o.bad = "index register"
			}
			o.index = int8(idx)
		}
		switch a.Segment {
		case asm.FS:
			o.fs = true
		case asm.GS:
			o.bad = "GS segment"
		}
	default:
		o.kind = argOther
	}
	return o
}
