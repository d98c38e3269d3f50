package difftest

import "github.com/sigtool/sigtool/internal/procmem"

// procStatus reads fields such as VmRSS and VmHWM, in bytes.
func procStatus(fields ...string) map[string]int64 { return procmem.Status(fields...) }
