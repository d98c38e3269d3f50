// Package procmem reads this process's memory figures from Linux's
// /proc/self, for benchmarks that report resident and peak memory.
package procmem

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// Status returns the named fields of /proc/self/status (VmRSS, VmHWM,
// RssAnon, ...) in bytes. Missing fields are absent from the map: not
// Linux, or a kernel without them.
func Status(fields ...string) map[string]int64 {
	out := map[string]int64{}
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		for _, want := range fields {
			if k == want {
				if n, ok := parseKB(v); ok {
					out[k] = n
				}
			}
		}
	}
	return out
}

// ResetPeak asks Linux to restart VmHWM accounting from the current RSS
// (best effort: older kernels and some sandboxes refuse).
func ResetPeak() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// parseKB parses "   123456 kB" into bytes.
func parseKB(v string) (int64, bool) {
	num, unit, _ := strings.Cut(strings.TrimSpace(v), " ")
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return 0, false
	}
	if unit == "kB" {
		n <<= 10
	}
	return n, true
}
