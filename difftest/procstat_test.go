package difftest

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

// procStatus reads fields such as VmRSS and VmHWM from /proc/self/status,
// in bytes. Missing fields read as 0 (not Linux, or a kernel without them).
func procStatus(fields ...string) map[string]int64 {
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
				out[k] = parseKB(v)
			}
		}
	}
	return out
}

// parseKB parses "   123456 kB" into bytes.
func parseKB(v string) int64 {
	num, unit, _ := strings.Cut(strings.TrimSpace(v), " ")
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return 0
	}
	if unit == "kB" {
		n *= 1024
	}
	return n
}

func TestProcStatus(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{{"  2048 kB", 2 << 20}, {"7", 7}, {"x kB", 0}} {
		if got := parseKB(tc.in); got != tc.want {
			t.Errorf("parseKB(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc")
	}
	// A live process has a resident set, and its peak is at least that.
	st := procStatus("VmRSS", "VmHWM")
	if st["VmRSS"] <= 0 || st["VmHWM"] < st["VmRSS"] {
		t.Errorf("VmRSS %d, VmHWM %d", st["VmRSS"], st["VmHWM"])
	}
}
