package bytesize

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
		err  bool
	}{
		{"0", 0, false},
		{"4096", 4096, false},
		{"10K", 10 << 10, false},
		{"10k", 10 << 10, false},
		{"100M", 100 << 20, false},
		{"25m", 25 << 20, false},
		{"1G", 1 << 30, false},
		{"", 0, true},
		{"M", 0, true},
		{"10x", 0, true},
		{"10KB", 0, true},
		{"-1", 0, true},
		{"+5", 0, true},
		{"1.5M", 0, true},
		{"9999999999999G", 0, true},
	} {
		got, err := Parse(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("Parse(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.err)
		}
		if tt.err && tt.in != "9999999999999G" && !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q): error %v is not ErrSyntax", tt.in, err)
		}
	}
}

func TestFormatRoundTrip(t *testing.T) {
	for _, n := range []int64{0, 1, 1023, 1024, 100 << 20, 400 << 20, 3 << 30, 1<<20 + 1} {
		s := Format(n)
		back, err := Parse(s)
		if err != nil || back != n {
			t.Errorf("Parse(Format(%d) = %q) = %d, %v", n, s, back, err)
		}
	}
	if got := Format(100 << 20); got != "100M" {
		t.Errorf("Format(100 MiB) = %q", got)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"100M", "0", "7k", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			return
		}
		if n < 0 {
			t.Fatalf("Parse(%q) = %d", s, n)
		}
		if back, err := Parse(Format(n)); err != nil || back != n {
			t.Fatalf("round trip of %d: %d, %v", n, back, err)
		}
	})
}
