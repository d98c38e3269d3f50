package daemonconfig

import "github.com/sigtool/sigtool/internal/bytesize"

// Size is a byte count written as an integer or with clamd.conf's
// suffixes: "512K", "100M", "1G" (binary: 1M = 1,048,576 bytes). It is
// the same type sigtool scan's --max-filesize takes.
type Size = bytesize.Size
