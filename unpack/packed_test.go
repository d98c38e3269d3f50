package unpack

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"testing"
)

func TestEmulateUnpacks(t *testing.T) {
	payload := tinyPE([]byte("the packed program's payload"))
	file := buildPacked(xorStub(), encrypted(testProgram(payload)))
	if bytes.Contains(file, payload) {
		t.Fatal("the payload is in the packed file as it is")
	}
	img, err := emulate(context.Background(), file, emuLimitsFor(Limits{}))
	if err != nil {
		t.Fatalf("emulate: %v", err)
	}
	if got := img[testTextRVA+0x100:][:len(payload)]; !bytes.Equal(got, payload) {
		t.Errorf("image at the payload: %q", got[:32])
	}
	if pes := embeddedPEs(img); len(pes) != 1 || pes[0][0] != testTextRVA+0x100 {
		t.Errorf("embedded PE files %v, want one at %#x", pes, testTextRVA+0x100)
	}
	// The image is a PE file of itself: the program's entry point, each
	// section's data at its address.
	p, ok := parsePE(img)
	if !ok {
		t.Fatal("the image has no PE headers")
	}
	if p.entry != testTextRVA {
		t.Errorf("entry point %#x, want the program's, %#x", p.entry, testTextRVA)
	}
	for _, s := range p.sections {
		if s.raw != s.rva || s.rawSize != 0x1000 {
			t.Errorf("section at %#x: file data at %#x, %#x bytes", s.rva, s.raw, s.rawSize)
		}
	}
}

// TestEmulateFailsClosed: a stub the run cannot follow to the program is an
// error (or the step limit), never a clean image.
func TestEmulateFailsClosed(t *testing.T) {
	text := encrypted(testProgram(tinyPE(nil)))
	callUnknown := []byte{0xff, 0x15, 0, 0, 0, 0} // CALL [IAT]: ExitProcess, from the stub
	binary.LittleEndian.PutUint32(callUnknown[2:], testBase+testIAT)
	for _, c := range []struct {
		name  string
		stub  []byte
		limit bool
	}{
		{"endless loop", []byte{0xeb, 0xfe}, true},
		{"undefined instruction", []byte{0x0f, 0x0b}, false},
		{"floating point", []byte{0xd9, 0xee}, false},
		{"the stub's own API call", callUnknown, false},
		{"jump to unmapped memory", []byte{0xe9, 0, 0, 0, 0x10}, false},
		{"write to the API table", []byte{0xc6, 0x05, 0, 0, 0xe0, 0x7f, 1}, false},
		{"division by zero", []byte{0x31, 0xc9, 0xf7, 0xf1}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := emulate(context.Background(), buildPacked(c.stub, text), emuLimits{steps: 1 << 16, allocs: 1 << 20, maxImage: 1 << 20})
			var le *LimitError
			switch {
			case c.limit && !errors.As(err, &le):
				t.Errorf("err %v, want a limit", err)
			case !c.limit && !errors.Is(err, errEmuStub):
				t.Errorf("err %v, want the stub not followed", err)
			}
		})
	}
}

func TestEmulateLimits(t *testing.T) {
	file := buildPacked(xorStub(), encrypted(testProgram(nil)))
	// The image is 0x3000 bytes.
	if _, err := emulate(context.Background(), file, emuLimits{steps: 1 << 16, allocs: 0, maxImage: 0x2000}); !errors.Is(err, ErrLimit) {
		t.Errorf("image over the limit: %v", err)
	}
	// A stub that allocates memory and stores to it, then unpacks: past
	// the allocation budget VirtualAlloc returns NULL, and the store
	// faults.
	for _, c := range []struct {
		size uint32
		ok   bool
	}{{64 << 10, true}, {2 << 20, false}} {
		stub := []byte{0x6a, 0x04, 0x68, 0, 0x10, 0, 0, 0x68, 0, 0, 0, 0, 0x6a, 0} // PUSH 4; PUSH 0x1000; PUSH size; PUSH 0
		binary.LittleEndian.PutUint32(stub[8:], c.size)
		stub = append(stub, 0xff, 0x15, 0, 0, 0, 0, 0x89, 0x00) // CALL [IAT]; MOV [EAX], EAX
		binary.LittleEndian.PutUint32(stub[16:], testBase+testIAT+4)
		stub = fixJump(append(stub, xorStub()...), len(stub))
		b := buildPacked(stub, encrypted(testProgram(nil)))
		_, err := emulate(context.Background(), b, emuLimits{steps: 1 << 16, allocs: 1 << 20, maxImage: 1 << 20})
		if c.ok != (err == nil) {
			t.Errorf("allocating %d bytes of a budget of 1 MiB: %v", c.size, err)
		}
	}
}

func TestPackerOf(t *testing.T) {
	plain := buildPacked(xorStub(), nil)
	if f := packerOf(bytes.NewReader(plain), int64(len(plain))); f != Unknown {
		t.Errorf("a stub of no known packer: %s", f)
	}
	asp := buildPacked(aspackEntry(xorStub()), nil)
	if f := packerOf(bytes.NewReader(asp), int64(len(asp))); f != ASPack {
		t.Errorf("ASPack's entry code: %s", f)
	}
	petite := buildPacked(append([]byte{0xb8}, binary.LittleEndian.AppendUint32(nil, testBase+testStubRVA)...), nil)
	if f := packerOf(bytes.NewReader(petite), int64(len(petite))); f != Petite {
		t.Errorf("Petite's entry code: %s", f)
	}
	spin := buildPacked([]byte("\xeb\x01\x68\x60\xe8\x00\x00\x00\x00\x8b\x1c\x24\x83\xc3"), nil)
	if f := packerOf(bytes.NewReader(spin), int64(len(spin))); f != PESpin {
		t.Errorf("PESpin's entry code: %s", f)
	}
}

func TestWalkPacked(t *testing.T) {
	payload := tinyPE([]byte("payload"))
	file := buildPacked(aspackEntry(xorStub()), encrypted(testProgram(payload)))
	f := IdentifyReader(file[:min(len(file), HeadSize)], bytes.NewReader(file), int64(len(file)))
	if f != ASPack {
		t.Fatalf("identified as %s", f)
	}
	var names []string
	var img []byte
	_, err := Walk(context.Background(), f, bytes.NewReader(file), int64(len(file)), Limits{}, func(m Member) error {
		names = append(names, m.Name)
		b, err := io.ReadAll(io.NewSectionReader(m.Content, 0, m.Size))
		img = b
		if err != nil || m.Err != nil {
			t.Errorf("%s: %v %v", m.Name, err, m.Err)
		}
		return nil
	})
	if err != nil || len(names) != 1 || names[0] != "aspack-image" {
		t.Fatalf("members %q, err %v", names, err)
	}
	// The image is a PE file whose payload is an embedded one, not packed
	// again.
	f = IdentifyReader(img[:HeadSize], bytes.NewReader(img), int64(len(img)))
	if f != EmbeddedPE {
		t.Fatalf("image identified as %s", f)
	}
	names = nil
	if _, err := Walk(context.Background(), f, bytes.NewReader(img), int64(len(img)), Limits{}, func(m Member) error {
		names = append(names, m.Name)
		return nil
	}); err != nil || len(names) != 1 || names[0] != "pe-4352" {
		t.Errorf("image members %q, err %v", names, err)
	}
}

// TestWalkPackedNotFollowed: a recognised stub that cannot be followed
// yields what it made with the member's error set.
func TestWalkPackedNotFollowed(t *testing.T) {
	file := buildPacked(aspackEntry([]byte{0x0f, 0x0b}), encrypted(testProgram(nil)))
	var errs []error
	_, err := Walk(context.Background(), ASPack, bytes.NewReader(file), int64(len(file)), Limits{}, func(m Member) error {
		errs = append(errs, m.Err)
		return nil
	})
	if err == nil && (len(errs) != 1 || !errors.Is(errs[0], errEmuStub)) {
		t.Errorf("member errors %v, walk error %v: want the stub not followed", errs, err)
	}
}

func TestHasEmbeddedPE(t *testing.T) {
	inner := tinyPE(nil)
	host := buildPacked(xorStub(), nil)
	for _, c := range []struct {
		name string
		file []byte
		want bool
	}{
		{"plain", host, false},
		{"after the sections", append(bytes.Clone(host), inner...), true},
		// Across the search's 1 MiB pieces, the MZ before and the PE
		// header after the border.
		{"across a piece", append(append(bytes.Clone(host), make([]byte, 1<<20-len(host)-0x30)...), inner...), true},
		{"headers cut short", append(bytes.Clone(host), inner[:0x60]...), false},
		{"sections past the end", append(bytes.Clone(host), withRaw(inner, 0x200, 0x1000)...), false},
	} {
		if got := hasEmbeddedPE(bytes.NewReader(c.file), int64(len(c.file))); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// withRaw gives tinyPE's section file data.
func withRaw(pe []byte, raw, size uint32) []byte {
	pe = bytes.Clone(pe)
	binary.LittleEndian.PutUint32(pe[0x40+24+0xe0+16:], size)
	binary.LittleEndian.PutUint32(pe[0x40+24+0xe0+20:], raw)
	return pe
}

func FuzzWalkPacked(f *testing.F) {
	f.Add(buildPacked(aspackEntry(xorStub()), encrypted(testProgram(tinyPE(nil)))))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, ASPack, data) })
}

func FuzzWalkEmbeddedPE(f *testing.F) {
	f.Add(append(buildPacked(xorStub(), nil), tinyPE(nil)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		hasEmbeddedPE(bytes.NewReader(data), int64(len(data)))
		fuzzWalk(t, EmbeddedPE, data)
	})
}

// sehStub registers the handler at handlerVA (PUSH handler; PUSH FS:[0];
// MOV FS:[0], ESP) and reads address 0.
func sehStub(handlerVA uint32) []byte {
	c := append([]byte{0x68}, binary.LittleEndian.AppendUint32(nil, handlerVA)...)
	c = append(c, 0x64, 0xff, 0x35, 0, 0, 0, 0, 0x64, 0x89, 0x25, 0, 0, 0, 0)
	return append(c, 0xa1, 0, 0, 0, 0)
}

// resumeHandler sets the context's EIP to resume and answers
// ExceptionContinueExecution (0), or answers ExceptionContinueSearch.
func resumeHandler(resume uint32, search bool) []byte {
	if search {
		return []byte{0xb8, 1, 0, 0, 0, 0xc3} // MOV EAX, 1; RET
	}
	c := []byte{0x8b, 0x44, 0x24, 0x0c, 0xc7, 0x80, 0xb8, 0, 0, 0} // MOV EAX, [ESP+12]; MOV [EAX+0xb8], resume
	c = binary.LittleEndian.AppendUint32(c, resume)
	return append(c, 0x31, 0xc0, 0xc3) // XOR EAX, EAX; RET
}

// TestEmulateExceptions: a fault with a handler runs the handler as
// Windows would; its answer resumes or fails the run.
func TestEmulateExceptions(t *testing.T) {
	payload := tinyPE([]byte("behind a fault"))
	const handlerAt = 0x80 // in the stub's section
	text := encrypted(testProgram(payload))
	for _, search := range []bool{false, true} {
		pre := sehStub(testBase + testStubRVA + handlerAt)
		stub := make([]byte, 0x100)
		copy(stub, fixJump(append(bytes.Clone(pre), xorStub()...), len(pre)))
		copy(stub[handlerAt:], resumeHandler(testBase+testStubRVA+uint32(len(pre)), search))
		img, err := emulate(context.Background(), buildPacked(stub, text), emuLimits{steps: 1 << 16, allocs: 1 << 20, maxImage: 1 << 20})
		switch {
		case search && !errors.Is(err, errEmuStub):
			t.Errorf("no handler resumes: %v", err)
		case !search && err != nil:
			t.Errorf("the handler resumes: %v", err)
		case !search && !bytes.Contains(img, payload):
			t.Error("the handler resumes: the payload is not unpacked")
		}
	}
	// A handler in the code the stub unpacked is the program's: done.
	text = testProgram(payload)
	copy(text[0x20:], resumeHandler(0, false))
	stub := xorStub()
	stub = append(stub[:len(stub)-5], sehStub(testBase+testTextRVA+0x20)...)
	img, err := emulate(context.Background(), buildPacked(stub, encrypted(text)), emuLimits{steps: 1 << 16, allocs: 1 << 20, maxImage: 1 << 20})
	if err != nil || !bytes.Contains(img, payload) {
		t.Errorf("a handler in the unpacked code: %v", err)
	}
}

// TestEmulateReadOnly: a section without the write flag is read-only
// until VirtualProtect says otherwise, as the loader maps it.
func TestEmulateReadOnly(t *testing.T) {
	b := buildPacked(xorStub(), encrypted(testProgram(nil)))
	binary.LittleEndian.PutUint32(b[0x40+24+0xe0+36:], 0x60000020) // .text: code, read, execute
	if _, err := emulate(context.Background(), b, emuLimits{steps: 1 << 16, allocs: 1 << 20, maxImage: 1 << 20}); !errors.Is(err, errEmuStub) {
		t.Errorf("decrypting a read-only section: %v", err)
	}
}

// TestEmulateTestFilesEntry: the images of clamav-testfiles' packed
// programs (read at test time) carry the program's entry point, the one
// ClamAV reports for them (clamscan --debug: 0x1020); Petite's hand-over
// through an exception is not followed to it.
func TestEmulateTestFilesEntry(t *testing.T) {
	for name, want := range map[string]uint32{"clam-aspack.exe": 0x1020, "clam-mew.exe": 0x1020, "clam-upack.exe": 0x1020, "clam-petite.exe": 0} {
		file, err := os.ReadFile("/usr/share/clamav-testfiles/" + name)
		if err != nil {
			t.Skipf("clamav-testfiles: %v", err)
		}
		img, err := emulate(context.Background(), file, emuLimitsFor(DefaultLimits()))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		p, ok := parsePE(img)
		if !ok {
			t.Fatalf("%s: the image has no PE headers", name)
		}
		if p.entry != want {
			t.Errorf("%s: image entry point %#x, want %#x", name, p.entry, want)
		}
	}
}
