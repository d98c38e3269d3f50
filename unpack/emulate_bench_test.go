package unpack

import (
	"context"
	"os"
	"testing"
)

// BenchmarkEmulate runs the stubs of the packed programs of Debian's
// clamav-testfiles (read at test time, never copied here) and reports the
// interpreter's speed in instructions a second.
func BenchmarkEmulate(b *testing.B) {
	for _, name := range []string{"clam-aspack.exe", "clam-mew.exe", "clam-upack.exe", "clam-petite.exe", "clam-pespin.exe"} {
		b.Run(name, func(b *testing.B) {
			file, err := os.ReadFile("/usr/share/clamav-testfiles/" + name)
			if err != nil {
				b.Skipf("clamav-testfiles: %v", err)
			}
			lim := emuLimitsFor(DefaultLimits())
			steps := 0
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				r, err := loadEmu(file, lim)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := r.run(context.Background(), lim); err != nil {
					b.Fatal(err)
				}
				steps = r.m.Steps
			}
			b.ReportMetric(float64(steps), "steps/op")
			b.ReportMetric(float64(steps)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Minst/s")
		})
	}
}
