//go:build race

package scan

// The race detector slows decoding tenfold; time bounds allow for it.
const raceEnabled = true
