//go:build !unix

package scan

import "os"

// devOf is 0 where the platform gives no device number: SameFS then
// treats everything as one file system.
func devOf(os.FileInfo) uint64 { return 0 }
