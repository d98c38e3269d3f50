package engine

import (
	"runtime/debug"
	"sync"
)

// The GC percent is process-wide, and compiles may overlap (a test, a
// command compiling while a daemon reloads): the first one in lowers it
// and the last one out restores what was there before.
var gcTune struct {
	sync.Mutex
	users int
	saved int
}

// lowerGC sets the GC target to pct while a compile runs and returns the
// function that undoes it. pct < 0 does nothing.
func lowerGC(pct int) (restore func()) {
	if pct < 0 {
		return func() {}
	}
	gcTune.Lock()
	defer gcTune.Unlock()
	if gcTune.users == 0 {
		gcTune.saved = debug.SetGCPercent(pct)
		if gcTune.saved < pct {
			// The operator asked for less, or for no GC at all (GOGC=off,
			// perhaps with GOMEMLIMIT): do not override that.
			debug.SetGCPercent(gcTune.saved)
		}
	}
	gcTune.users++
	return func() {
		gcTune.Lock()
		defer gcTune.Unlock()
		gcTune.users--
		if gcTune.users == 0 {
			debug.SetGCPercent(gcTune.saved)
		}
	}
}
