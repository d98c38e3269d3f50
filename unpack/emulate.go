package unpack

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/sigtool/sigtool/unpack/internal/x86"
)

// Packed programs whose loader stub is run rather than read: the file is
// mapped as Windows' loader maps it (headers and sections at their RVAs,
// imports bound to trap addresses), and the stub runs in the bounded x86
// interpreter of internal/x86 until the unpacked program takes over. That
// moment is seen when the program's code (in memory the run has written,
// or in a section other than the stub's) calls an API the stub's small
// Windows does not provide, or exits; the memory image is then what the
// program is. The few APIs a
// stub needs to unpack (LoadLibraryA, GetModuleHandleA, GetProcAddress,
// VirtualAlloc, VirtualFree, VirtualProtect) act for real; from the
// stub's own code, so do those that ask about the process (query: its
// path, the clock, the heap, reading its own file); any other
// call from the stub's own code, a fault, an instruction the interpreter
// does not know or the step bound end the run with an error, so that a
// stub not followed to its end never reads as clean. Modules are images
// with export tables (kernel32.go), for stubs that find their APIs
// themselves.

// emuLimits bound one run: instructions, memory the program may allocate,
// and the image it may map.
type emuLimits struct {
	steps    int
	allocs   int64
	maxImage int64
}

// Stubs take some 10 to 15 instructions per byte they unpack (ASPack,
// Upack); the interpreter runs a few million a second. 20 million steps
// are a few seconds at most, and unpack an image of a MiB or more.
const (
	emuMaxSteps      = 20_000_000
	emuMaxImage      = 32 << 20
	emuMaxExceptions = 64
)

// emuLimitsFor bounds a run by the walk's file size limit: the image and
// what the program allocates at most that, and 4 steps per byte of it.
func emuLimitsFor(lim Limits) emuLimits {
	size := int64(emuMaxImage)
	if lim.MaxFileSize > 0 {
		size = min(size, lim.MaxFileSize)
	}
	return emuLimits{steps: int(min(emuMaxSteps, max(1<<20, 4*size))), allocs: size, maxImage: size}
}

// Where the emulated process's parts live: the stack below 0x130000, as
// Windows puts it, the rest above any image a 32-bit program is based at
// in practice; an image overlapping them is refused.
const (
	emuStackTop  = 0x00130000
	emuStackSize = 0x00100000
	emuAllocBase = 0x60000000
	emuAPIBase   = 0x7fe00000
	emuAPISlots  = 4096
	emuModBase   = 0x7c000000 // fake module handles, 64 KiB apart
	emuTEB       = 0x7ffdf000
	emuPEB       = 0x7ffd0000
)

var errEmuStub = errors.New("the packer's stub could not be followed")

// emuRun is one emulated process.
type emuRun struct {
	m         *x86.Machine
	base      uint32
	image     *x86.Region
	apis      []string // by trap slot
	slots     map[string]uint32
	modules   map[string]uint32
	allocNext uint32
	allocLeft int64
	// entrySection is the index of the section holding the entry point
	// (the stub's), -1 for the headers.
	entrySection int
	pe           *peFile
	// handling are the exceptions whose handlers run, innermost last.
	handling []emuException
	// protect is each page's protection, as VirtualProtect reports it:
	// stubs keep the old value, and some read it back as data.
	protect map[uint32]uint32
	// entered is where control last came into a section of the image
	// from elsewhere (not an API's return); oep is the program's entry
	// point, once the program has taken over there.
	entered, oep uint32
	apiRegion    *x86.Region
	// file is the program's file, which a stub may open and read
	// (filePos: where), by its path only.
	file    []byte
	filePos int64
	// mapped counts the module images mapped (mapModule).
	mapped int
	// callFrom is the instruction that last passed control to an API.
	callFrom uint32
}

// Page protections (PAGE_READONLY and so on).
const (
	pageNoAccess  = 0x01
	pageReadOnly  = 0x02
	pageReadWrite = 0x04
	pageExecRead  = 0x20
	pageExecRW    = 0x40
)

// setProtect gives the pages of [addr, addr+n) a protection, which a
// store to them obeys.
func (r *emuRun) setProtect(addr, n, prot uint32) {
	for at := addr &^ 0xfff; at-addr&^0xfff < n && at >= addr&^0xfff; at += 0x1000 {
		r.protect[at] = prot
	}
	r.m.Protect(addr, n, prot&(pageReadWrite|pageExecRW|0x08|0x80) == 0)
}

// sectionProtect is the protection the loader gives a section of these
// characteristics (IMAGE_SCN_MEM_EXECUTE, _READ, _WRITE).
func sectionProtect(c uint32) uint32 {
	x, r, w := c&0x20000000 != 0, c&0x40000000 != 0, c&0x80000000 != 0
	switch {
	case x && w:
		return pageExecRW
	case x:
		return pageExecRead
	case w:
		return pageReadWrite
	case r:
		return pageReadOnly
	}
	return pageNoAccess
}

var errEmuDone = errors.New("the unpacked program took over")

// emulate runs the stub of the PE file b and returns the memory image
// (SizeOfImage bytes from the image base). err is non-nil when the stub
// was not followed to its end; the image is then what it had made so far.
func emulate(ctx context.Context, b []byte, lim emuLimits) ([]byte, error) {
	r, err := loadEmu(b, lim)
	if err != nil {
		return nil, err
	}
	return r.run(ctx, lim)
}

// run runs the loaded process to its end; see emulate.
func (r *emuRun) run(ctx context.Context, lim emuLimits) ([]byte, error) {
	var err error
	// In slices, to see a cancelled context.
	const slice = 1 << 20
	dispatched := 0
	for {
		if r.m.Steps >= lim.steps {
			err = x86.ErrSteps
			break
		}
		err = r.m.Run(min(slice, lim.steps-r.m.Steps))
		if err == x86.ErrSteps {
			if err = ctx.Err(); err != nil {
				return nil, err
			}
			continue
		}
		// A fault the program handles: some stubs end a loop so.
		var f *x86.Fault
		if errors.As(err, &f) && f.Code == x86.AccessViolation && r.mapModule(f.Addr) {
			// A module read for the first time: mapped, and the
			// instruction (which changed nothing before its read)
			// runs again.
			continue
		}
		if errors.As(err, &f) && f.Code != 0 {
			if r.handlerIsProgram() {
				// Where it goes on to is not followed: the
				// image's entry point stays 0.
				err = errEmuDone
				break
			}
			if dispatched < emuMaxExceptions && r.raise(f) {
				dispatched++
				continue
			}
		}
		break
	}
	out := bytes.Clone(r.image.Data)
	r.asLoaded(out)
	if errors.Is(err, errEmuDone) {
		return out, nil
	}
	if errors.Is(err, x86.ErrSteps) {
		return out, &LimitError{Limit: LimitScanSize, Member: "emulated stub", Max: int64(lim.steps)}
	}
	return out, fmt.Errorf("%w: %w", errEmuStub, err)
}

// loadEmu maps the PE file b into a new process, ready to run its entry
// point.
func loadEmu(b []byte, lim emuLimits) (*emuRun, error) {
	p, ok := parsePE(b)
	if !ok {
		return nil, fmt.Errorf("%w: no PE headers", ErrCorrupt)
	}
	opt := p.pe + 24
	if binary.LittleEndian.Uint16(b[opt:]) != 0x10b {
		return nil, fmt.Errorf("%w: not a 32-bit PE file", ErrUnsupported)
	}
	base := binary.LittleEndian.Uint32(b[opt+28:])
	imageSize := alignUp(int64(binary.LittleEndian.Uint32(b[opt+56:])), 0x1000)
	headers := int64(binary.LittleEndian.Uint32(b[opt+60:]))
	if imageSize > lim.maxImage {
		return nil, &LimitError{Limit: LimitFileSize, Max: lim.maxImage}
	}
	if imageSize == 0 || base < emuStackTop || uint64(base)+uint64(imageSize) > emuAllocBase {
		return nil, fmt.Errorf("%w: image base %#x size %#x", ErrUnsupported, base, imageSize)
	}
	r := &emuRun{
		file: b, pe: p, m: x86.New(), protect: map[uint32]uint32{}, base: base, slots: map[string]uint32{}, modules: map[string]uint32{},
		allocNext: emuAllocBase, allocLeft: lim.allocs,
	}
	img := make([]byte, imageSize)
	copy(img, b[:min(int64(len(b)), max(headers, 0x200), imageSize)])
	for _, s := range p.sections {
		if s.rawSize == 0 || int64(s.raw) >= int64(len(b)) || int64(s.rva) >= imageSize {
			continue
		}
		n := min(int64(alignUp(int64(s.rawSize), int64(p.fileAlign))), int64(len(b))-int64(s.raw), imageSize-int64(s.rva))
		if s.vsize != 0 {
			n = min(n, alignUp(int64(s.vsize), int64(p.sectionAlign)))
		}
		copy(img[s.rva:], b[s.raw:int64(s.raw)+n])
	}
	var err error
	m := r.m
	if r.image, err = m.Map(base, int(imageSize), img, false); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	for rva := uint32(0); int64(rva) < imageSize; rva += 0x1000 {
		prot := uint32(pageReadOnly) // the headers, and gaps
		if i := p.sectionOf(rva); i >= 0 {
			prot = sectionProtect(p.sections[i].characteristics)
		}
		r.setProtect(base+rva, 0x1000, prot)
	}
	// Stubs read the first bytes of APIs for breakpoints: NOPs.
	if r.apiRegion, err = m.Map(emuAPIBase, emuAPISlots, bytes.Repeat([]byte{0x90}, emuAPISlots), true); err != nil {
		return nil, err
	}
	r.modules["kernel32.dll"] = emuKernel32
	if _, err := m.Map(emuStackTop-emuStackSize, emuStackSize, nil, false); err != nil {
		return nil, err
	}
	teb := make([]byte, 0x1000)
	binary.LittleEndian.PutUint32(teb[0:], 0xffffffff) // no exception handler
	binary.LittleEndian.PutUint32(teb[4:], emuStackTop)
	binary.LittleEndian.PutUint32(teb[8:], emuStackTop-emuStackSize)
	binary.LittleEndian.PutUint32(teb[0x18:], emuTEB)
	binary.LittleEndian.PutUint32(teb[0x30:], emuPEB)
	if _, err := m.Map(emuTEB, len(teb), teb, false); err != nil {
		return nil, err
	}
	peb := make([]byte, 0x1000)
	binary.LittleEndian.PutUint32(peb[8:], base)
	binary.LittleEndian.PutUint32(peb[0x18:], emuHeap)
	// The process heap's header, which anti-debugging code reads: no
	// debug flags (Flags HEAP_GROWABLE, ForceFlags 0).
	heap := make([]byte, 0x1000)
	binary.LittleEndian.PutUint32(heap[0x0c:], 2)
	if _, err := m.Map(emuHeap, len(heap), heap, false); err != nil {
		return nil, err
	}
	if _, err := m.Map(emuPEB, len(peb), peb, false); err != nil {
		return nil, err
	}
	m.FSBase = emuTEB
	if err := r.bindImports(p, binary.LittleEndian.Uint32(b[opt+104:])); err != nil {
		return nil, err
	}
	m.Trap = r.trap
	m.Jump = func(m *x86.Machine, from, to uint32) {
		if m.Region(to) == r.apiRegion {
			r.callFrom = from
		}
		if s := r.sectionAt(to); s != -2 && s != r.sectionAt(from) && m.Region(from) != r.apiRegion {
			r.entered = to
		}
	}
	m.R[x86.ESP] = emuStackTop - 0x100
	m.EIP = base + p.entry
	m.R[x86.EAX] = m.EIP
	m.R[x86.EBX] = emuPEB
	// The stub returns to an exit, as into the system's process start.
	if err := m.Push(r.slot("kernel32.dll!ExitThread")); err != nil {
		return nil, err
	}
	r.entrySection = p.sectionOf(p.entry)
	return r, nil
}

// slot returns the trap address standing for an API.
func (r *emuRun) slot(name string) uint32 {
	if a, ok := r.slots[name]; ok {
		return a
	}
	if len(r.apis) >= emuAPISlots {
		return emuAPIBase + emuAPISlots - 1 // shared: an unknown API
	}
	a := emuAPIBase + uint32(len(r.apis))
	r.apis = append(r.apis, name)
	r.slots[name] = a
	return a
}

// bindImports fills the import address table as the loader would.
func (r *emuRun) bindImports(p *peFile, dir uint32) error {
	if dir == 0 {
		return nil
	}
	u32 := func(at uint32) uint32 {
		v, _ := r.m.Read(at, 4)
		return v
	}
	for d, n := r.base+dir, 0; n < 256; d, n = d+20, n+1 {
		oft, name, ft := u32(d), u32(d+12), u32(d+16)
		if name == 0 || ft == 0 {
			break
		}
		dll := strings.ToLower(r.cstring(r.base + name))
		r.module(dll)
		lookup := oft
		if lookup == 0 {
			lookup = ft
		}
		for i := uint32(0); i < 4096; i++ {
			t := u32(r.base + lookup + 4*i)
			if t == 0 {
				break
			}
			fn := fmt.Sprintf("#%d", t&0xffff)
			if t&0x80000000 == 0 {
				fn = r.cstring(r.base + t + 2)
			}
			// Into the image's bytes: the loader's stores are not the
			// program's (see programCode).
			at := ft + 4*i
			if uint64(at)+4 > uint64(len(r.image.Data)) {
				return fmt.Errorf("%w: import table outside the image", ErrCorrupt)
			}
			binary.LittleEndian.PutUint32(r.image.Data[at:], r.slot(dll+"!"+fn))
		}
	}
	return nil
}

// module returns the handle of a named module, the image's own for "".
func (r *emuRun) module(name string) uint32 {
	if name == "" {
		return r.base
	}
	name = strings.ToLower(name)
	if !strings.Contains(name, ".") {
		name += ".dll"
	}
	if h, ok := r.modules[name]; ok {
		return h
	}
	h := emuModBase + uint32(len(r.modules))<<16
	r.modules[name] = h
	return h
}

// mapModule maps the image of the module whose memory holds addr, which
// the program read without it being there: modules are mapped when first
// read (by stubs that walk their exports; few do), so that a module's
// exports are the names the program's image holds then. It reports
// whether it mapped one; past emuMaxModules images, or the allocation
// budget, it does not.
func (r *emuRun) mapModule(addr uint32) bool {
	h := addr &^ (emuModuleSize - 1)
	if r.m.Region(h) != nil || r.mapped >= emuMaxModules || emuModuleSize > r.allocLeft {
		return false
	}
	for name, mh := range r.modules {
		if mh != h {
			continue
		}
		names := kernel32Exports
		if h != emuKernel32 {
			names = moduleNames(r.image.Data)
		}
		if _, err := r.m.Map(h, emuModuleSize, moduleImage(name, h, names, r.slot), false); err != nil {
			return false
		}
		r.setProtect(h, emuModuleSize, pageReadOnly)
		r.mapped++
		r.allocLeft -= emuModuleSize
		return true
	}
	return false
}

func (r *emuRun) cstring(at uint32) string {
	b := r.m.Bytes(at, 256)
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// trap acts for the API whose trap address the program reached.
func (r *emuRun) trap(m *x86.Machine, at uint32) error {
	name := "unknown"
	if i := int(at - emuAPIBase); i < len(r.apis) {
		name = r.apis[i]
	}
	ret, err := m.Read(m.R[x86.ESP], 4)
	if err != nil {
		return err
	}
	arg := func(i int) uint32 {
		v, _ := m.Read(m.R[x86.ESP]+4+4*uint32(i), 4)
		return v
	}
	switch name {
	case emuSEHReturn:
		return r.handled()
	case emuSEHNested:
		return fmt.Errorf("a fault in an exception handler")
	}
	fn := name[strings.IndexByte(name, '!')+1:]
	var result uint32
	nargs := 0
	switch fn {
	case "LoadLibraryA", "GetModuleHandleA":
		nargs = 1
		if a := arg(0); a != 0 {
			result = r.module(r.cstring(a))
		} else {
			result = r.base
		}
	case "GetProcAddress":
		nargs = 2
		mod := "module"
		for k, h := range r.modules {
			if h == arg(0) {
				mod = k
			}
		}
		// As Windows does, no address for a name no module exports:
		// stubs end their lists so.
		if a := arg(1); a < 0x10000 {
			result = r.slot(fmt.Sprintf("%s!#%d", mod, a))
		} else if fn := r.cstring(a); apiName(fn) {
			result = r.slot(mod + "!" + fn)
		}
	case "VirtualAlloc":
		nargs = 4
		if result, err = r.alloc(arg(1)); err != nil {
			return err
		}
	case "VirtualFree":
		nargs, result = 3, 1
	case "VirtualProtect":
		nargs, result = 4, 1
		page := arg(0) &^ 0xfff
		prev, ok := r.protect[page]
		if !ok {
			prev = pageReadWrite
		}
		if old := arg(3); old != 0 {
			if err := m.Write(old, 4, prev); err != nil {
				return err
			}
		}
		r.setProtect(page, min(arg(1)+arg(0)-page, emuMaxImage), arg(2))
	default:
		// The caller: before the return address, or, where that is
		// another API (PUSH its address; JMP to this one), the jump's.
		caller := ret - 1
		if m.Region(caller) == r.apiRegion {
			caller = r.callFrom
		}
		if r.stubCode(caller) {
			// Questions stubs ask about the process, answered when
			// the stub asks (the program asking means it has taken
			// over, below).
			var ok bool
			if nargs, result, ok = r.query(fn, arg); ok {
				break
			}
		}
		// Anything else: the unpacked program has taken over if the
		// caller is code the run wrote; otherwise the stub asks for
		// more than this small Windows gives.
		if r.m.Written(caller) || r.programCode(caller) {
			if r.entered != 0 && r.sectionAt(r.entered) == r.sectionAt(caller) {
				r.oep = r.entered
			}
			return errEmuDone
		}
		return fmt.Errorf("the stub called %s from %#x", name, ret)
	}
	m.R[x86.EAX] = result
	m.R[x86.ESP] += 4 + 4*uint32(nargs)
	m.EIP = ret
	return nil
}

// alloc maps size bytes (rounded up to pages) of new memory within the
// run's budget; 0 past it.
func (r *emuRun) alloc(n uint32) (uint32, error) {
	size := alignUp(int64(n), 0x1000)
	if size == 0 || size > r.allocLeft {
		return 0, nil
	}
	if _, err := r.m.Map(r.allocNext, int(size), nil, false); err != nil {
		return 0, err
	}
	at := r.allocNext
	r.allocNext += uint32(size) + 0x1000
	r.allocLeft -= size
	return at, nil
}

// stubCode reports whether addr is the stub's: in its section (the
// entry point's), or in memory outside the image it allocated.
func (r *emuRun) stubCode(addr uint32) bool {
	s := r.sectionAt(addr)
	return s == r.entrySection || s == -2 && r.m.Region(addr) != r.apiRegion
}

// emuModulePath is the program's path, as GetModuleFileNameA gives it.
const emuModulePath = `C:\program.exe`

// query answers the APIs that ask about the process and change nothing
// a scan cares about, with their argument count; false for others.
func (r *emuRun) query(fn string, arg func(int) uint32) (nargs int, result uint32, ok bool) {
	switch fn {
	case "GetModuleFileNameA":
		buf, n := arg(1), arg(2)
		p := []byte(emuModulePath + "\x00")
		if n < uint32(len(p)) {
			return 3, 0, true
		}
		for i, c := range p {
			if r.m.Write(buf+uint32(i), 1, uint32(c)) != nil {
				return 3, 0, true
			}
		}
		return 3, uint32(len(p) - 1), true
	case "GetTickCount":
		return 0, uint32(r.m.Steps / 1000), true
	case "IsDebuggerPresent", "GetLastError":
		return 0, 0, true
	case "GetVersion":
		return 0, 0x0a280105, true // Windows XP SP2, build 2600
	case "GetCurrentProcess":
		return 0, 0xffffffff, true
	case "GetCurrentProcessId", "GetCurrentThreadId":
		return 0, 0x100, true
	case "SetLastError", "Sleep":
		return 1, 0, true
	case "CloseHandle":
		return 1, 1, true
	case "HeapCreate":
		return 3, emuHeap, true
	case "GetProcessHeap":
		return 0, emuHeap, true
	case "HeapAlloc":
		at, _ := r.alloc(arg(2)) // zeroed, as HEAP_ZERO_MEMORY or not
		return 3, at, true
	case "HeapFree":
		return 3, 1, true
	case "HeapDestroy":
		return 1, 1, true
	case "CreateFileA":
		if !strings.EqualFold(r.cstring(arg(0)), emuModulePath) {
			return 7, 0xffffffff, true // INVALID_HANDLE_VALUE
		}
		r.filePos = 0
		return 7, emuFileHandle, true
	case "GetFileSize":
		if arg(0) != emuFileHandle {
			return 2, 0xffffffff, true
		}
		if hi := arg(1); hi != 0 && r.m.Write(hi, 4, 0) != nil {
			return 2, 0xffffffff, true
		}
		return 2, uint32(len(r.file)), true
	case "SetFilePointer":
		if arg(0) != emuFileHandle || arg(2) != 0 {
			return 4, 0xffffffff, true
		}
		pos := int64(int32(arg(1)))
		switch arg(3) {
		case 1:
			pos += r.filePos
		case 2:
			pos += int64(len(r.file))
		}
		r.filePos = min(max(pos, 0), int64(len(r.file)))
		return 4, uint32(r.filePos), true
	case "ReadFile":
		if arg(0) != emuFileHandle {
			return 5, 0, true
		}
		buf, n, done := arg(1), int64(arg(2)), arg(3)
		n = min(n, int64(len(r.file))-r.filePos)
		for i := int64(0); i < n; i++ {
			if r.m.Write(buf+uint32(i), 1, uint32(r.file[r.filePos+i])) != nil {
				return 5, 0, true
			}
		}
		r.filePos += n
		if done != 0 && r.m.Write(done, 4, uint32(n)) != nil {
			return 5, 0, true
		}
		return 5, 1, true
	}
	return 0, 0, false
}

// emuFileHandle is the handle of the program's file, opened; emuHeap
// the one heap's.
const (
	emuFileHandle = 0x1234
	emuHeap       = 0x00140000
)

// sectionAt is the index of the image's section holding addr, -1 for the
// headers, -2 outside the image.
func (r *emuRun) sectionAt(addr uint32) int {
	if addr < r.base || addr-r.base >= uint32(len(r.image.Data)) {
		return -2
	}
	return r.pe.sectionOf(addr - r.base)
}

// asLoaded makes the memory image img a PE file of itself, as ClamAV
// rebuilds an unpacked one: each section's file data where it is in
// memory, and the entry point the program's (0 when the run did not see
// where it took over). The stub's entry point would name code that has
// done its work, and have the image taken for packed again.
func (r *emuRun) asLoaded(img []byte) {
	p := r.pe
	entry := uint32(0)
	if r.oep != 0 {
		entry = r.oep - r.base
	}
	binary.LittleEndian.PutUint32(img[p.pe+24+16:], entry)
	sec := p.pe + 24 + int64(binary.LittleEndian.Uint16(img[p.pe+20:]))
	for i, s := range p.sections {
		h := sec + 40*int64(i)
		if h+40 > int64(len(img)) || int64(s.rva) >= int64(len(img)) {
			continue
		}
		n := max(alignUp(int64(s.vsize), int64(p.sectionAlign)), alignUp(int64(s.rawSize), int64(p.sectionAlign)))
		binary.LittleEndian.PutUint32(img[h+16:], uint32(min(n, int64(len(img))-int64(s.rva))))
		binary.LittleEndian.PutUint32(img[h+20:], s.rva)
	}
}

// programCode reports whether addr is in a section of the image other
// than the stub's: the packed program's code, unpacked there.
func (r *emuRun) programCode(addr uint32) bool {
	if addr < r.base || addr-r.base >= uint32(len(r.image.Data)) {
		return false
	}
	s := r.pe.sectionOf(addr - r.base)
	return s >= 0 && s != r.entrySection
}

// apiName reports whether s can be an exported function's name.
func apiName(s string) bool {
	if s == "" || len(s) > 200 {
		return false
	}
	for _, c := range []byte(s) {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}
