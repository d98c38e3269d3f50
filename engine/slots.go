package engine

import (
	"context"
	"sync"
)

// Slots bounds the scans a daemon runs at once over all its front ends
// (the clamd socket, POST /v1/mailscan, the milter): one pool, so a burst
// on one cannot take the machine from the others, and the bound an
// operator sets (max_scans) is the bound the machine sees. A request
// waits for a slot; its context ends the wait.
type Slots struct {
	ch chan struct{}

	mu   sync.Mutex
	peak int // most slots held at once
}

// NewSlots returns a pool of n slots (at least one).
func NewSlots(n int) *Slots { return &Slots{ch: make(chan struct{}, max(n, 1))} }

// Acquire waits for a slot; release gives it back (call it once).
func (s *Slots) Acquire(ctx context.Context) (release func(), err error) {
	select {
	case s.ch <- struct{}{}:
		s.held()
		return s.release, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// TryAcquire takes a slot if one is free now.
func (s *Slots) TryAcquire() (release func(), ok bool) {
	select {
	case s.ch <- struct{}{}:
		s.held()
		return s.release, true
	default:
		return nil, false
	}
}

func (s *Slots) held() {
	s.mu.Lock()
	s.peak = max(s.peak, len(s.ch))
	s.mu.Unlock()
}

func (s *Slots) release() { <-s.ch }

// Busy is the number of slots held now; Max the pool's size; Peak the
// most held at once since NewSlots.
func (s *Slots) Busy() int { return len(s.ch) }
func (s *Slots) Max() int  { return cap(s.ch) }
func (s *Slots) Peak() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}
