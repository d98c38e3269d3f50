package matcher

// The Builder's arenas grow to hundreds of megabytes one entry at a time.
// append grows a large slice by about 1.25x, so every byte stored is
// copied four to five times on the way (and each step allocates a fresh,
// zeroed array): most of Add's memmove in a profile at 300k signatures.
// push grows by 1.5x instead (each byte copied about twice, and less spare
// capacity than doubling at the peak), and Build trims the arenas to their
// length with one copy, while the hash sets are built.

// minArena is the first capacity of an arena.
const minArena = 1 << 10

// push appends v to s, growing the capacity by half when it is full.
func push[T any](s []T, v T) []T {
	if len(s) == cap(s) {
		s = regrow(s, len(s)+1)
	}
	return append(s, v)
}

// pushAll appends vs to s, growing the capacity by half when it is full.
func pushAll[T any](s []T, vs ...T) []T {
	if len(s)+len(vs) > cap(s) {
		s = regrow(s, len(s)+len(vs))
	}
	return append(s, vs...)
}

func regrow[T any](s []T, need int) []T {
	ns := make([]T, len(s), max(cap(s)+cap(s)/2, need, minArena))
	copy(ns, s)
	return ns
}

// trim returns s with no more capacity than it needs (a copy when more
// than an eighth would be wasted).
func trim[T any](s []T) []T {
	if cap(s)-len(s) <= len(s)/8 {
		return s[:len(s):len(s)]
	}
	ns := make([]T, len(s))
	copy(ns, s)
	return ns
}
