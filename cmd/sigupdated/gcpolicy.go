package main

import (
	"math"
	"runtime/debug"
	"runtime/metrics"
)

// limitHeadroom is what the soft memory limit allows beyond twice the live
// heap: the buffers and garbage of max_scans scans in flight, and the
// runtime's own memory (stacks, metadata), which the limit also counts.
const limitHeadroom = 96 << 20

// gcPolicy is how the serving daemon's garbage collector is paced: the
// default GOGC of 100 with a soft memory limit set from the live heap after
// each swap. A large GC target with a limit runs few collections (a quarter
// of the GC CPU of GOGC 25 under 64 streaming clients) while the limit
// keeps the peak near what GOGC 25 gave; without it GOGC 100 peaks at
// clamd's size. The limit is lifted while a reload compiles, which holds
// two matchers for a moment and would otherwise collect without end.
// GOGC or GOMEMLIMIT in the environment is the operator's choice: then
// the policy does nothing. Used only by the serve loop's goroutine.
type gcPolicy struct {
	enabled bool
	limit   int64 // set after the last swap; math.MaxInt64 until one
}

func newGCPolicy(getenv func(string) string) *gcPolicy {
	return &gcPolicy{enabled: getenv("GOGC") == "" && getenv("GOMEMLIMIT") == "", limit: math.MaxInt64}
}

// servingLimit is the soft memory limit for a live heap of live bytes.
func servingLimit(live uint64) int64 {
	return int64(min(live, math.MaxInt64/4))*2 + limitHeadroom
}

// beforeCompile lifts the limit for a reload's compile.
func (g *gcPolicy) beforeCompile() {
	if g.enabled {
		debug.SetMemoryLimit(math.MaxInt64)
	}
}

// afterReload sets the limit again: from the heap the swap's collection
// left when a new matcher serves, else the one from before (the old
// matcher still serves).
func (g *gcPolicy) afterReload(swapped bool) {
	if !g.enabled {
		return
	}
	if swapped {
		g.limit = servingLimit(heapMarkedLive())
	}
	debug.SetMemoryLimit(g.limit)
}

// heapMarkedLive is the heap the last collection found reachable; a swap
// ends with a full collection, so after one it is the new matcher's heap
// and that of the scans in flight.
func heapMarkedLive() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
