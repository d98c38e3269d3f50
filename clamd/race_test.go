//go:build race

package clamd

// The race detector slows everything several times; the reload test
// shrinks its database under it.
const raceEnabled = true
