package main

import "time"

// jitterSpread is how far a check may move from its slot, as a fraction of
// the period: enough that a fleet started together spreads out over the
// mirrors, not so much that two checks bunch up.
const jitterSpread = 0.15

// checkDelay is the wait before the next scheduled check: a day divided by
// checksPerDay, moved by up to ±jitterSpread of that. u is a uniform random
// number in [0, 1).
func checkDelay(checksPerDay int, u float64) time.Duration {
	if checksPerDay < 1 {
		checksPerDay = 1 // the config refuses it; never divide by zero
	}
	period := 24 * time.Hour / time.Duration(checksPerDay)
	f := 1 - jitterSpread + 2*jitterSpread*min(max(u, 0), 1)
	return time.Duration(float64(period) * f).Round(time.Second)
}
