package engine

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestSlots: however many ask at once, no more than the pool's size hold
// a slot, every request gets one in the end, and a cancelled wait fails.
func TestSlots(t *testing.T) {
	s := NewSlots(3)
	var in, most atomic.Int32
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() {
			release, err := s.Acquire(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			n := in.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			time.Sleep(time.Millisecond)
			in.Add(-1)
			release()
		})
	}
	wg.Wait()
	if most.Load() > 3 || s.Peak() != int(most.Load()) || s.Busy() != 0 {
		t.Fatalf("held at once %d, Peak %d, Busy %d; want at most 3", most.Load(), s.Peak(), s.Busy())
	}
	var held []func()
	for range 3 {
		r, ok := s.TryAcquire()
		if !ok {
			t.Fatal("TryAcquire failed with free slots")
		}
		held = append(held, r)
	}
	if _, ok := s.TryAcquire(); ok {
		t.Fatal("TryAcquire took a fourth slot")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := s.Acquire(ctx); err == nil {
		t.Fatal("Acquire on a full pool returned without waiting")
	}
	for _, r := range held {
		r()
	}
}
