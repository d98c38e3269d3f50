// Package duration reads the durations operators write in configuration
// files and flags: Go's syntax ("90s", "36h", "1h30m") and whole days or
// weeks ("30d", "2w"), which is how retention and cool-downs are thought
// of. A day is 24 hours: retention does not follow the calendar.
package duration

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ErrSyntax is returned for a value that is not a duration.
var ErrSyntax = errors.New("want a duration such as 30d, 2w, 12h or 90m")

const (
	Day  = 24 * time.Hour
	Week = 7 * Day
)

// Parse reads s; negative durations are refused.
func Parse(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	for suffix, unit := range map[string]time.Duration{"d": Day, "w": Week} {
		digits, ok := strings.CutSuffix(t, suffix)
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(digits, 10, 64)
		if err != nil || digits == "" || digits[0] == '+' || digits[0] == '-' || n > math.MaxInt64/int64(unit) {
			return 0, fmt.Errorf("%q: %w", s, ErrSyntax)
		}
		return time.Duration(n) * unit, nil
	}
	d, err := time.ParseDuration(t)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q: %w", s, ErrSyntax)
	}
	return d, nil
}

// Format writes d in whole weeks or days when it is one, else as Go does,
// so Parse(Format(d)) == d and defaults read as they are documented.
func Format(d time.Duration) string {
	switch {
	case d == 0:
		return "0s"
	case d%Week == 0:
		return strconv.FormatInt(int64(d/Week), 10) + "w"
	case d%Day == 0:
		return strconv.FormatInt(int64(d/Day), 10) + "d"
	}
	return d.String()
}
