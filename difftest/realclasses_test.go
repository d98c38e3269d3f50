package difftest

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigtool/sigtool/internal/realfiles"
	"github.com/sigtool/sigtool/scan"
)

// BenchmarkRealClasses: our side of BenchmarkRealData alone, with ClamAV's
// databases, one sub-benchmark per class (PE, ELF, documents, mail,
// random): scan.Engine.ScanFile with sigtool scan's options over every
// file of the class, one goroutine. No clamscan, so it is quick enough to
// profile a class (-cpuprofile) and to compare two builds with
// scripts/ab.sh (make ab); BenchmarkRealData's ratios to clamscan are
// those of its own run.
func BenchmarkRealClasses(b *testing.B) {
	sets, err := realfiles.Sets(filepath.Join(b.TempDir(), "files"), "../../shared/corpus/mail")
	if err != nil {
		b.Fatal(err)
	}
	var eng *scan.Engine // built on the first class that runs
	for _, s := range sets {
		b.Run(strings.Fields(s.Name)[0], func(b *testing.B) {
			if len(s.Files) == 0 {
				b.Skip(s.Missing)
			}
			if eng == nil {
				m, err := loadDir(context.Background(), realDatabase(b))
				if err != nil {
					b.Fatal(err)
				}
				opts := scan.DefaultOptions()
				opts.Expand = scan.ExpandMail // as sigtool scan
				eng = scan.New(m, opts)
			}
			b.SetBytes(s.Bytes)
			for b.Loop() {
				scanSerial(b, eng, s.Files)
			}
		})
	}
}
