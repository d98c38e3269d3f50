//go:build race

package matcher

// The race detector drops a share of sync.Pool puts on purpose, so
// allocation counts say nothing under it.
const raceEnabled = true
