package duration

import (
	"errors"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"30d": 30 * Day, "2w": 2 * Week, "12h": 12 * time.Hour, "90m": 90 * time.Minute,
		"1h30m": 90 * time.Minute, "0d": 0, "0": 0, " 7d ": 7 * Day,
	} {
		if got, err := Parse(in); err != nil || got != want {
			t.Errorf("Parse(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "30", "d", "-1d", "+1d", "1.5d", "30 days", "-2h", "1d12h", "99999999999d", "106752d"} {
		if _, err := Parse(bad); !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q) = %v, want ErrSyntax", bad, err)
		}
	}
}

func TestFormat(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "0s", 30 * Day: "30d", 2 * Week: "2w", 36 * time.Hour: "36h0m0s", 90 * time.Second: "1m30s"} {
		if got := Format(d); got != want {
			t.Errorf("Format(%v) = %q, want %q", d, got, want)
		}
		if back, err := Parse(Format(d)); err != nil || back != d {
			t.Errorf("Parse(Format(%v)) = %v, %v", d, back, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"30d", "2w", "1h30m", "-1d", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Parse(s)
		if err != nil {
			return
		}
		if d < 0 {
			t.Fatalf("Parse(%q) = %v, negative", s, d)
		}
		if back, err := Parse(Format(d)); err != nil || back != d {
			t.Fatalf("Parse(Format(%v)) = %v, %v", d, back, err)
		}
	})
}
