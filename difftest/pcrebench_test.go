package difftest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
		{"documents", pickEvenly("/usr/share/doc", func(p string) bool {
			return strings.HasSuffix(p, ".pdf") || strings.HasSuffix(p, ".html")
		}, 240)},
		{"html", pickEvenly("/tmp/sigtool-docs/x", func(p string) bool { return strings.HasSuffix(p, ".html") }, 240)},
		{"mail", pickEvenly("../../shared/corpus/mail", func(p string) bool {
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

// pickEvenly returns up to n regular files under root that ok accepts,
// of at most 20 MiB, spread evenly over the walk's order.
func pickEvenly(root string, ok func(string) bool, n int) []string {
	var all []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && ok(p) {
			if fi, err := d.Info(); err == nil && fi.Size() > 0 && fi.Size() <= 20<<20 {
				all = append(all, p)
			}
		}
		return nil
	})
	if len(all) <= n {
		return all
	}
	out := make([]string, 0, n)
	for i := range n {
		out = append(out, all[i*len(all)/n])
	}
	return out
}
