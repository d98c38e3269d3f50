package unpack

import (
	"encoding/binary"
	"slices"
	"strings"
)

// The emulated process's kernel32.dll: a PE image just below the API
// traps, with an export directory naming the traps of the kernel32
// functions a stub may look for. Stubs that find their APIs themselves
// (PESpin) step down from an address inside kernel32 to its MZ header
// and read the export table, as they do on Windows; the image has the
// headers and exports only, its functions are the traps.
const (
	emuKernel32   = emuAPIBase - emuModuleSize
	emuModuleSize = 0x10000
	// emuMaxExports bounds the names a module other than kernel32
	// exports: those found in the image (moduleNames).
	emuMaxExports = 1024
	// emuMaxModules bound the module images mapped (each from the
	// allocation budget too); past them a module is a handle only.
	emuMaxModules = 64
)

// moduleNames are the names a module other than kernel32 exports: every
// string in the image that can be a function's name, when the module is
// loaded. A stub that resolves the program's imports itself walks the
// module's exports for the names it has unpacked by then; a name it
// unpacks later is not found, and the run ends with an error.
func moduleNames(img []byte) []string {
	seen := map[string]bool{}
	var out []string
	for i := 0; i < len(img) && len(out) < emuMaxExports; {
		j := i
		for j < len(img) && (img[j] >= 'a' && img[j] <= 'z' || img[j] >= 'A' && img[j] <= 'Z' || img[j] >= '0' && img[j] <= '9' || img[j] == '_') {
			j++
		}
		// An import's name follows its 2-byte hint, which may read as
		// letters too.
		for k := i; k <= i+2 && j < len(img) && img[j] == 0 && j-k >= 4 && j-k <= 64; k++ {
			if s := string(img[k:j]); !seen[s] && (img[k] < '0' || img[k] > '9') {
				seen[s] = true
				out = append(out, s)
			}
		}
		i = j + 1
	}
	return out
}

// kernel32Exports are the names exported, the functions stubs look up
// (those the small Windows acts for, and those whose call from the
// unpacked program ends the run).
var kernel32Exports = []string{
	"CloseHandle", "CreateFileA", "CreateFileW", "CreateThread", "DeleteFileA",
	"ExitProcess", "ExitThread", "FreeLibrary", "GetCommandLineA", "GetCurrentProcess",
	"GetCurrentProcessId", "GetCurrentThreadId", "GetFileSize", "GetLastError",
	"GetModuleFileNameA", "GetModuleHandleA", "GetModuleHandleW", "GetProcAddress",
	"GetStartupInfoA", "GetSystemTime", "GetTickCount", "GetVersion", "GetVersionExA",
	"GlobalAlloc", "GlobalFree", "HeapAlloc", "HeapCreate", "HeapFree", "IsDebuggerPresent",
	"LoadLibraryA", "LoadLibraryExA", "LoadLibraryW", "MapViewOfFile", "OpenProcess",
	"QueryPerformanceCounter", "ReadFile", "ReadProcessMemory", "SetFilePointer",
	"SetLastError", "Sleep", "TerminateProcess", "UnmapViewOfFile", "VirtualAlloc",
	"VirtualFree", "VirtualProtect", "VirtualQuery", "WaitForSingleObject", "WriteFile",
	"WriteProcessMemory", "lstrcmpA", "lstrcpyA", "lstrlenA",
}

// moduleImage builds the image of the module name at base, exporting
// names; slot gives each function's trap address, which must lie above
// the image within 64 KiB plus the trap region (kernel32's), or the
// module's export is an address outside it (the others: any address
// works for a stub that only calls it).
func moduleImage(name string, base uint32, names []string, slot func(string) uint32) []byte {
	const (
		size   = emuModuleSize
		pe     = 0x80
		opt    = pe + 24
		export = 0x1000
	)
	img := make([]byte, size)
	le := binary.LittleEndian
	copy(img, "MZ")
	le.PutUint32(img[0x3c:], pe)
	copy(img[pe:], "PE\x00\x00")
	le.PutUint16(img[pe+4:], 0x14c)
	le.PutUint16(img[pe+20:], 0xe0)
	le.PutUint16(img[pe+22:], 0x2102) // an executable 32-bit DLL
	le.PutUint16(img[opt:], 0x10b)
	for at, v := range map[int]uint32{28: base, 32: 0x1000, 36: 0x200, 56: size + emuAPISlots, 60: 0x1000, 92: 16} {
		le.PutUint32(img[opt+at:], v)
	}
	names = slices.Sorted(slices.Values(names)) // sorted, as the loader's binary search wants
	n := uint32(len(names))
	funcs, nameRVAs, ords := uint32(export+40), uint32(export+40)+4*n, uint32(export+40)+8*n
	strs := ords + 2*n
	put := func(s string) uint32 {
		at := strs
		copy(img[at:], s)
		strs += uint32(len(s)) + 1
		return at
	}
	d := img[export:]
	le.PutUint32(d[12:], put(strings.ToUpper(name)))
	le.PutUint32(d[16:], 1) // ordinal base
	le.PutUint32(d[20:], n)
	le.PutUint32(d[24:], n)
	le.PutUint32(d[28:], funcs)
	le.PutUint32(d[32:], nameRVAs)
	le.PutUint32(d[36:], ords)
	for i, fn := range names {
		le.PutUint32(img[funcs+4*uint32(i):], slot(name+"!"+fn)-base)
		le.PutUint32(img[nameRVAs+4*uint32(i):], put(fn))
		le.PutUint16(img[ords+2*uint32(i):], uint16(i))
	}
	le.PutUint32(img[opt+96:], export)
	le.PutUint32(img[opt+100:], strs-export)
	return img
}
