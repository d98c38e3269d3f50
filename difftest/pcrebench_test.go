package difftest

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/sigtool/sigtool/internal/realfiles"

	"github.com/sigtool/sigtool/scan"
	"github.com/sigtool/sigtool/unpack"
)

// BenchmarkPCREViews: the whole scan (scan.Engine.Scan of bytes in memory,
// as INSTREAM) with ClamAV's databases of the inputs where PCRE
// subsignatures run: the clamd benchmark's document set (PDF and HTML
// under /usr/share/doc, chosen as clamd/bench_clamd_test.go chooses
// them), HTML pages of /tmp/sigtool-docs/x (make realfiles) and the real
// mail corpus. For profiles of the PCRE stage (-cpuprofile); ns/op is one
// scan of every file of the set.
func BenchmarkPCREViews(b *testing.B) {
	dir := realDatabase(b)
	m, err := loadDir(context.Background(), dir)
	if err != nil {
		b.Fatal(err)
	}
	opts := scan.DefaultOptions()
	opts.Expand = scan.ExpandMail
	eng := scan.New(m, opts)
	sets := []struct {
		name  string
		files []string
	}{
		{"documents", realfiles.Evenly("/usr/share/doc", func(p string) bool {
			return strings.HasSuffix(p, ".pdf") || strings.HasSuffix(p, ".html")
		}, 240)},
		{"html", realfiles.Evenly("/tmp/sigtool-docs/x", func(p string) bool { return strings.HasSuffix(p, ".html") }, 240)},
		{"mail", realfiles.Evenly("../../shared/corpus/mail", func(p string) bool {
			return !strings.HasSuffix(p, ".md") && !strings.HasSuffix(p, ".tsv")
		}, 400)},
	}
	for _, set := range sets {
		var data [][]byte
		for _, f := range set.files {
			if d, err := os.ReadFile(f); err == nil {
				data = append(data, d)
			}
		}
		b.Run(set.name, func(b *testing.B) {
			if len(data) == 0 {
				b.Skip("no files")
			}
			for b.Loop() {
				for _, d := range data {
					if _, err := eng.Scan(context.Background(), "stream", unpack.Bytes(d), int64(len(d))); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(data)), "us/file")
		})
	}
}
