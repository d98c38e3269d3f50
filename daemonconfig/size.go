package daemonconfig

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Size is a byte count written as an integer or with clamd.conf's
// suffixes: "512K", "100M", "1G" (binary: 1M = 1,048,576 bytes).
type Size int64

// UnmarshalTOML implements toml.Unmarshaler.
func (s *Size) UnmarshalTOML(v any) error {
	switch x := v.(type) {
	case int64:
		if x < 0 {
			return errors.New("negative size")
		}
		*s = Size(x)
		return nil
	case string:
		n, err := ParseSize(x)
		*s = n
		return err
	}
	return fmt.Errorf("want a size like \"100M\" or a number of bytes, got %T", v)
}

// ParseSize reads "123", "64K", "100M" or "2G" (upper or lower case).
func ParseSize(text string) (Size, error) {
	t := strings.TrimSpace(text)
	mult := int64(1)
	if t != "" {
		switch t[len(t)-1] {
		case 'k', 'K':
			mult = 1 << 10
		case 'm', 'M':
			mult = 1 << 20
		case 'g', 'G':
			mult = 1 << 30
		}
		if mult != 1 {
			t = t[:len(t)-1]
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a size (bytes, or a number with K, M or G)", text)
	}
	return Size(n * mult), nil
}

// String writes the size the way it is best read back.
func (s Size) String() string {
	switch {
	case s != 0 && s%(1<<30) == 0:
		return fmt.Sprintf("%dG", s>>30)
	case s != 0 && s%(1<<20) == 0:
		return fmt.Sprintf("%dM", s>>20)
	case s != 0 && s%(1<<10) == 0:
		return fmt.Sprintf("%dK", s>>10)
	}
	return strconv.FormatInt(int64(s), 10)
}
