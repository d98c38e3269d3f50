package unpack

import (
	"fmt"

	"github.com/sigtool/sigtool/unpack/internal/x86"
)

// Structured exception handling, as far as stubs use it: a fault with a
// handler registered at FS:[0] calls the handler with the exception's
// record and the registers' context, as Windows' dispatcher does; the
// handler's answer resumes the program from the context it may have
// changed, or passes the exception on to the next handler. Petite ends its
// decompression loop with a fault so. The layouts (EXCEPTION_RECORD,
// the x86 CONTEXT) are Windows' documented ones.

// emuSEHReturn is the trap a handler returns to; emuSEHNested the
// handler the dispatcher registers while a handler runs (handlers find
// the faulting frame through it): a fault then is dispatched past it
// (dispatch), and a call to it ends the run.
const (
	emuSEHReturn = "seh!return"
	emuSEHNested = "seh!nested"
)

// The offsets in an x86 CONTEXT of the registers, in x86.Machine's order
// (EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI), and of EIP and EFLAGS.
var contextRegs = [8]uint32{0xb0, 0xac, 0xa8, 0xa4, 0xc4, 0xb4, 0xa0, 0x9c}

const (
	contextEIP    = 0xb8
	contextFlags  = 0xc0
	contextSize   = 0x2cc
	exceptionSize = 0x50
)

type emuException struct {
	fault   *x86.Fault
	frame   uint32 // the registration record whose handler runs
	record  uint32
	context uint32
	// registration is the dispatcher's own record, on the stack above the
	// handler's arguments.
	registration uint32
}

// raise dispatches f to the innermost handler; false when there is none.
func (r *emuRun) raise(f *x86.Fault) bool {
	frame, err := r.m.Read(emuTEB, 4)
	if err != nil {
		return false
	}
	return r.dispatch(emuException{fault: f, frame: frame})
}

// handlerIsProgram reports whether the innermost handler is code the run
// unpacked in the program's sections: the stub has handed over (Petite
// ends its work by a fault its unpacked code handles).
func (r *emuRun) handlerIsProgram() bool {
	frame, err := r.m.Read(emuTEB, 4)
	if err != nil {
		return false
	}
	h, err := r.m.Read(frame+4, 4)
	return err == nil && r.m.Written(h) && r.programCode(h)
}

// dispatch calls the handler of e.frame.
func (r *emuRun) dispatch(e emuException) bool {
	m := r.m
	if e.frame == 0xffffffff {
		return false
	}
	handler, err := m.Read(e.frame+4, 4)
	if err != nil {
		return false
	}
	if handler == r.slot(emuSEHNested) {
		// A fault in a handler (whose dispatcher's record is still
		// first): as Windows' nested-exception handler answers, the
		// search goes on with the frames below it, the faulting
		// handler's own frame first. PESpin ends a handler so, having
		// pointed its frame at the next piece of its code.
		next, err := m.Read(e.frame, 4)
		if err != nil || next == e.frame {
			return false
		}
		e.frame = next
		return r.dispatch(e)
	}
	if e.context == 0 {
		// Below the faulting code's stack, as Windows builds them.
		e.record = (m.R[x86.ESP] - 0x400 - exceptionSize) &^ 15
		e.context = e.record - contextSize - 4
		for i := uint32(0); i < exceptionSize+contextSize+4; i += 4 {
			if m.Write(e.context+i, 4, 0) != nil {
				return false
			}
		}
		f := e.fault
		for off, v := range map[uint32]uint32{0: f.Code, 12: f.EIP, 16: 2, 24: f.Addr} {
			_ = m.Write(e.record+off, 4, v)
		}
		_ = m.Write(e.context, 4, 0x10007) // CONTEXT_FULL
		for i, off := range contextRegs {
			_ = m.Write(e.context+off, 4, m.R[i])
		}
		_ = m.Write(e.context+contextEIP, 4, f.EIP)
		_ = m.Write(e.context+contextFlags, 4, m.Flags())
	}
	// The dispatcher's registration record, then handler(record, frame,
	// context, dispatcher context), returning to the dispatcher's trap.
	m.R[x86.ESP] = e.context - 4
	prev, _ := m.Read(emuTEB, 4)
	for _, v := range []uint32{r.slot(emuSEHNested), prev} {
		if m.Push(v) != nil {
			return false
		}
	}
	e.registration = m.R[x86.ESP]
	if m.Write(emuTEB, 4, e.registration) != nil {
		return false
	}
	for _, v := range []uint32{0, e.context, e.frame, e.record, r.slot(emuSEHReturn)} {
		if m.Push(v) != nil {
			return false
		}
	}
	r.handling = append(r.handling, e)
	m.EIP = handler
	return true
}

// handled acts on a handler's answer in EAX: 0 resumes from the context,
// 1 asks the next handler.
func (r *emuRun) handled() error {
	m := r.m
	if len(r.handling) == 0 {
		return fmt.Errorf("return to the exception dispatcher without an exception")
	}
	e := r.handling[len(r.handling)-1]
	r.handling = r.handling[:len(r.handling)-1]
	prev, err := m.Read(e.registration, 4)
	if err != nil || m.Write(emuTEB, 4, prev) != nil {
		return fmt.Errorf("the exception dispatcher's record is gone")
	}
	switch m.R[x86.EAX] {
	case 0:
		for i, off := range contextRegs {
			v, err := m.Read(e.context+off, 4)
			if err != nil {
				return err
			}
			m.R[i] = v
		}
		eip, err := m.Read(e.context+contextEIP, 4)
		if err != nil {
			return err
		}
		flags, err := m.Read(e.context+contextFlags, 4)
		if err != nil {
			return err
		}
		m.EIP = eip
		m.SetFlags(flags)
		return nil
	case 1:
		next, err := m.Read(e.frame, 4)
		if err == nil {
			e.frame = next
			if r.dispatch(e) {
				return nil
			}
		}
	}
	return fmt.Errorf("no handler resumed after %w", e.fault)
}
