package unpack

import (
	"context"
	"fmt"
	"os"
	"testing"
)

// exportsOf reads the export directory of the module mapped at base in
// the run's memory, as a stub walks it: name to address.
func exportsOf(t *testing.T, r *emuRun, base uint32) map[string]uint32 {
	t.Helper()
	u32 := func(at uint32) uint32 {
		v, err := r.m.Read(at, 4)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// As the run maps a module the program reads first.
	if r.m.Region(base) == nil && !r.mapModule(base) {
		t.Fatalf("no module at %#x", base)
	}
	if v, _ := r.m.Read(base, 2); v != 'M'|'Z'<<8 {
		t.Fatalf("no MZ at %#x", base)
	}
	pe := base + u32(base+0x3c)
	dir := base + u32(pe+24+96)
	n, funcs, names, ords := u32(dir+24), base+u32(dir+28), base+u32(dir+32), base+u32(dir+36)
	out := map[string]uint32{}
	for i := uint32(0); i < n; i++ {
		ord, _ := r.m.Read(ords+2*i, 2)
		out[r.cstring(base+u32(names+4*i))] = base + u32(funcs+4*ord)
	}
	return out
}

// TestEmulatedModules: kernel32 is an image below the API traps whose
// exports are the traps, found by stepping down from a trap address in 64
// KiB steps; another module loaded exports the names the image holds
// when it is first read.
func TestEmulatedModules(t *testing.T) {
	file := buildPacked(xorStub(), encrypted(testProgram(nil)))
	r, err := loadEmu(file, emuLimitsFor(Limits{}))
	if err != nil {
		t.Fatal(err)
	}
	k32 := (r.slot("kernel32.dll!ExitThread") &^ 0xffff) - 0x10000
	if k32 != emuKernel32 || r.module("KERNEL32") != k32 {
		t.Fatalf("kernel32 at %#x, handle %#x", k32, r.module("KERNEL32"))
	}
	exp := exportsOf(t, r, k32)
	for _, fn := range []string{"GetProcAddress", "LoadLibraryA", "ExitProcess"} {
		if exp[fn] != r.slot("kernel32.dll!"+fn) {
			t.Errorf("kernel32!%s at %#x, want its trap %#x", fn, exp[fn], r.slot("kernel32.dll!"+fn))
		}
	}
	// A name as the stub would have decrypted it by then.
	copy(r.image.Data[testTextRVA+0x200:], "\x00\x12AMessageBoxA\x00") // after a hint that reads "\x12A"
	h := r.module("comdlg32.dll")
	if got := exportsOf(t, r, h)["MessageBoxA"]; got != r.slot("comdlg32.dll!MessageBoxA") {
		t.Errorf("comdlg32!MessageBoxA at %#x, want its trap", got)
	}
	// A stub loading module after module: images for the first ones
	// only, within the allocation budget.
	left := r.allocLeft
	for i := 0; i < 200; i++ {
		r.mapModule(r.module(fmt.Sprintf("m%d.dll", i)))
	}
	if r.m.Region(r.module("m199.dll")) != nil || left-r.allocLeft > emuMaxModules*emuModuleSize {
		t.Errorf("%d modules: %d bytes of images", len(r.modules), left-r.allocLeft)
	}
	if r.mapModule(0x10000) {
		t.Error("an image mapped where no module is")
	}
}

// TestEmulatePESpin: clamav-testfiles' clam-pespin.exe (read at test
// time) unpacks: its stub finds kernel32's exports itself, reads its own
// file, ends its layers with faults inside its exception handlers, and
// overwrites its own REP STOSB. The image holds clam.exe.
func TestEmulatePESpin(t *testing.T) {
	file, err := os.ReadFile("/usr/share/clamav-testfiles/clam-pespin.exe")
	if err != nil {
		t.Skipf("clamav-testfiles: %v", err)
	}
	img, err := emulate(context.Background(), file, emuLimitsFor(DefaultLimits()))
	if err != nil {
		t.Fatal(err)
	}
	if pes := embeddedPEs(img); len(pes) == 0 {
		t.Error("no PE file in the image")
	}
	p, ok := parsePE(img)
	if !ok {
		t.Fatal("the image has no PE headers")
	}
	// Its calls pass through thunks in its own section (API
	// redirection), so where the program took over is not seen: the
	// entry point is 0, never the stub's.
	if p.entry != 0 {
		t.Errorf("image entry point %#x, want 0", p.entry)
	}
}
