package main

import (
	"testing"
	"time"
)

func TestCheckDelay(t *testing.T) {
	tests := []struct {
		checks int
		u      float64
		want   time.Duration
	}{
		{24, 0.5, time.Hour},
		{24, 0, 51 * time.Minute},
		{24, 1, 69 * time.Minute},
		{1, 0.5, 24 * time.Hour},
		{12, 0.25, 2*time.Hour - 9*time.Minute},
		{0, 0.5, 24 * time.Hour},       // never divides by zero
		{24, 7, 69 * time.Minute},      // out-of-range randomness is clamped
		{50, 0.5, 24 * time.Hour / 50}, // the most the config allows
	}
	for _, tc := range tests {
		if got := checkDelay(tc.checks, tc.u); got != tc.want {
			t.Errorf("checkDelay(%d, %v) = %v, want %v", tc.checks, tc.u, got, tc.want)
		}
	}
}
