//go:build !race

package clamd

const raceEnabled = false
