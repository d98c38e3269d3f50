package feeds

import (
	"context"
	"testing"
)

// BenchmarkCdiffChain is one cycle 1 -> 6 by cdiffs against the mock
// mirror, into the real store: download, CMS and PSS checks, apply, .info
// check, one store transaction.
func BenchmarkCdiffChain(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		m := newMock(b)
		serveChain(b, m, 2, 6, true)
		advertise(b, m, 6)
		e := newEnv(b, false, m.URL())
		e.seed(1)
		u := e.updater()
		b.StartTimer()
		if _, err := u.RunOnce(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFullCVD is one cycle from empty by the whole test-6.cvd.
func BenchmarkFullCVD(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		m := newMock(b)
		serveCVD(b, m, 6, true)
		e := newEnv(b, false, m.URL())
		u := e.updater()
		b.StartTimer()
		if _, err := u.RunOnce(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
