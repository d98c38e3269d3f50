//go:build !linux

package scan

import "os"

// mapFile maps nothing on this platform: files are read through ReadAt.
func mapFile(*os.File, int64) *mapping { return nil }

func (m *mapping) unmap() {}
