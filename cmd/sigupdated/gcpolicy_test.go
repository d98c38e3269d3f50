package main

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestServingLimit(t *testing.T) {
	for _, tc := range []struct {
		live uint64
		want int64
	}{
		{0, 96 << 20},
		{120 << 20, 336 << 20},
		{math.MaxUint64, math.MaxInt64/4*2 + 96<<20}, // no overflow
	} {
		if got := servingLimit(tc.live); got != tc.want {
			t.Errorf("servingLimit(%d) = %d, want %d", tc.live, got, tc.want)
		}
	}
}

func TestGCPolicy(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	const operator = 1 << 40 // what an operator's GOMEMLIMIT would have set
	for _, tc := range []struct {
		name    string
		env     map[string]string
		enabled bool
	}{
		{"no environment", nil, true},
		{"GOGC", map[string]string{"GOGC": "50"}, false},
		{"GOGC=off", map[string]string{"GOGC": "off"}, false},
		{"GOMEMLIMIT", map[string]string{"GOMEMLIMIT": "1TiB"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			debug.SetMemoryLimit(operator)
			g := newGCPolicy(func(k string) string { return tc.env[k] })
			g.beforeCompile()
			during := debug.SetMemoryLimit(-1)
			g.afterReload(true)
			after := debug.SetMemoryLimit(-1)
			g.beforeCompile()
			g.afterReload(false) // a failed reload keeps the last limit
			failed := debug.SetMemoryLimit(-1)
			if !tc.enabled {
				if during != operator || after != operator || failed != operator {
					t.Errorf("limit changed under the operator's environment: %d, %d, %d", during, after, failed)
				}
				return
			}
			if during != math.MaxInt64 {
				t.Errorf("limit during the compile = %d, want none", during)
			}
			if after != g.limit || after < limitHeadroom || after == math.MaxInt64 {
				t.Errorf("limit after the swap = %d, want 2x the live heap + %d (%d)", after, limitHeadroom, g.limit)
			}
			if failed != after {
				t.Errorf("limit after a failed reload = %d, want the last one %d", failed, after)
			}
		})
	}
}
