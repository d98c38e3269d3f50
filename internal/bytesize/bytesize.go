// Package bytesize reads and writes byte counts as ClamAV's tools and
// configuration files write them: digits with an optional K, M or G
// suffix (either case) for binary multiples, "100M" = 100 MiB.
package bytesize

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// ErrSyntax is returned for a value that is not digits and a suffix.
var ErrSyntax = errors.New("bytesize: want a number of bytes with an optional K, M or G suffix (e.g. 100M)")

// Parse reads s as a byte count.
func Parse(s string) (int64, error) {
	if s == "" {
		return 0, ErrSyntax
	}
	mult := int64(1)
	switch s[len(s)-1] {
	case 'k', 'K':
		mult = 1 << 10
	case 'm', 'M':
		mult = 1 << 20
	case 'g', 'G':
		mult = 1 << 30
	}
	digits := s
	if mult > 1 {
		digits = s[:len(s)-1]
	}
	if digits == "" || digits[0] == '+' || digits[0] == '-' {
		return 0, fmt.Errorf("%q: %w", s, ErrSyntax)
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q: %w", s, ErrSyntax)
	}
	if n > math.MaxInt64/mult {
		return 0, fmt.Errorf("%q: too large", s)
	}
	return n * mult, nil
}

// Format writes n with the largest suffix that divides it exactly, so
// Parse(Format(n)) == n and defaults read as they are documented.
func Format(n int64) string {
	for _, u := range []struct {
		suffix string
		size   int64
	}{{"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}} {
		if n != 0 && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

// Size is a byte count usable as a command-line flag (pflag.Value) and as
// a configuration value (encoding.TextUnmarshaler).
type Size int64

func (s *Size) Set(v string) error {
	n, err := Parse(v)
	if err != nil {
		return err
	}
	*s = Size(n)
	return nil
}

func (s Size) String() string { return Format(int64(s)) }

// Type names the value in flag help.
func (s *Size) Type() string { return "size" }

func (s *Size) UnmarshalText(b []byte) error { return s.Set(string(b)) }

// UnmarshalTOML takes a TOML integer (bytes) or string ("100M").
func (s *Size) UnmarshalTOML(v any) error {
	switch x := v.(type) {
	case int64:
		if x < 0 {
			return fmt.Errorf("%d: %w", x, ErrSyntax)
		}
		*s = Size(x)
		return nil
	case string:
		return s.Set(x)
	}
	return fmt.Errorf("%v: %w", v, ErrSyntax)
}

func (s Size) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
