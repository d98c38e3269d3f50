//go:build unix

package scan

import (
	"os"
	"syscall"
)

// devOf is the device a file lives on, for WalkOptions.SameFS.
func devOf(st os.FileInfo) uint64 {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return uint64(s.Dev)
	}
	return 0
}
