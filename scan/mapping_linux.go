package scan

import (
	"os"

	"golang.org/x/sys/unix"
)

// mapFile maps size bytes of f read-only, or returns nil when the file is
// too small or too large to be worth it, or cannot be mapped (it is then
// read through ReadAt).
// The pages are mapped at once (MAP_POPULATE): faulting them in one by one
// as the matcher reaches them cost about as much as the copy it saves.
func mapFile(f *os.File, size int64) *mapping {
	if size < minMapSize || size > maxMapSize {
		return nil
	}
	mem, err := unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		return nil
	}
	return &mapping{File: f, mem: mem}
}

// unmap releases the mapping.
func (m *mapping) unmap() { _ = unix.Munmap(m.mem) }
