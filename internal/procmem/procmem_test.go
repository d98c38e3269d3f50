package procmem

import (
	"os"
	"testing"
)

func TestParseKB(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{{"  2048 kB", 2 << 20, true}, {"7", 7, true}, {"x kB", 0, false}} {
		if got, ok := parseKB(tc.in); got != tc.want || ok != tc.ok {
			t.Errorf("parseKB(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestStatus(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc")
	}
	// A live process has a resident set, and its peak is at least that.
	st := Status("VmRSS", "VmHWM")
	if st["VmRSS"] <= 0 || st["VmHWM"] < st["VmRSS"] {
		t.Errorf("VmRSS %d, VmHWM %d", st["VmRSS"], st["VmHWM"])
	}
}
