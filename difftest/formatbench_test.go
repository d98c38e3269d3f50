package difftest

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sigtool/sigtool/scan"
)

// BenchmarkFormatsVsClamscan: MB/s per container format, ours beside
// clamscan on the same files in one run. Each container holds the same
// real programs (files of /usr/bin, about 24 MB, none of them ours) and is
// written by the format's own tool (zip, 7z, tar, cpio, arj, gcab,
// genisoimage); HTML carries them as data: URIs. Both scanners get one
// hash signature (clam.exe's, which matches nothing here), so the figure
// is the cost of opening and reading the container. clamscan's time is
// its run on the file less its run on a one-byte file (the database
// load); ours is scan.Engine in this process.
func BenchmarkFormatsVsClamscan(b *testing.B) {
	if _, err := exec.LookPath("clamscan"); err != nil {
		if os.Getenv("CI") != "" {
			b.Fatal("clamscan missing")
		}
		b.Skip("clamscan missing")
	}
	dir := b.TempDir()
	payload := benchPayload(b, filepath.Join(dir, "payload"), 24<<20)
	db, tiny, eng := clamExeEngine(b, dir, scan.DefaultOptions())
	var rows []string
	for _, f := range benchFormats {
		b.Run(f.name, func(b *testing.B) {
			out := filepath.Join(dir, f.name+f.ext)
			if err := f.make(payload, out); err != nil {
				b.Skipf("%s: cannot write the container: %v", f.name, err)
			}
			st, err := os.Stat(out)
			if err != nil {
				b.Fatal(err)
			}
			mb := float64(st.Size()) / 1e6
			var best time.Duration
			for i := 0; i < b.N; i++ {
				start := time.Now()
				res, err := eng.ScanFile(context.Background(), out)
				d := time.Since(start)
				if err != nil || res.Problem() != nil || res.MemberCount == 0 {
					b.Fatalf("%s: %v %v, %d members", f.name, err, res.Problem(), res.MemberCount)
				}
				if best == 0 || d < best {
					best = d
				}
			}
			load, _ := timeClamscan(b, db, tiny)
			total, _ := timeClamscan(b, db, out)
			ours := mb / best.Seconds()
			b.ReportMetric(ours, "MB/s")
			row := fmt.Sprintf("| %s | %.1f | %.0f |", f.name, mb, ours)
			if clam := total - load; clam > load/20 && clam > 0 {
				c := mb / clam.Seconds()
				b.ReportMetric(c, "clamscan-MB/s")
				b.ReportMetric(ours/c, "x-clamscan")
				row += fmt.Sprintf(" %.0f | %.2f |", c, ours/c)
			} else {
				row += " (scan within clamscan's load noise) | |"
			}
			rows = append(rows, row)
		})
	}
	fmt.Printf("\n| format | MB | sigtool MB/s | clamscan MB/s | ratio |\n|---|---|---|---|---|\n%s\n", strings.Join(rows, "\n"))
}

// benchPayload copies regular files of /usr/bin between 64 KB and 4 MB,
// by name, into dir until about want bytes; it returns their names.
func benchPayload(b *testing.B, dir string, want int64) []string {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	ents, err := os.ReadDir("/usr/bin")
	if err != nil {
		b.Skip(err)
	}
	var names []string
	var total int64
	for _, e := range ents {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() || info.Size() < 64<<10 || info.Size() > 4<<20 {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/usr/bin", e.Name()))
		if err != nil {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644); err != nil {
			b.Fatal(err)
		}
		names = append(names, filepath.Join(dir, e.Name()))
		if total += info.Size(); total >= want {
			break
		}
	}
	sort.Strings(names)
	return names
}

type benchFormat struct {
	name, ext string
	make      func(files []string, out string) error
}

func inDir(files []string, out string, name string, args ...string) error {
	var rel []string
	for _, f := range files {
		rel = append(rel, filepath.Base(f))
	}
	cmd := exec.Command(name, append(args, rel...)...)
	cmd.Dir = filepath.Dir(files[0])
	if o, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %v: %.300s", name, err, o)
	}
	return nil
}

func cpioOf(format string) func([]string, string) error {
	return func(files []string, out string) error {
		var list strings.Builder
		for _, f := range files {
			list.WriteString(filepath.Base(f) + "\n")
		}
		cmd := exec.Command("cpio", "-o", "-H", format, "-F", out)
		cmd.Dir = filepath.Dir(files[0])
		cmd.Stdin = strings.NewReader(list.String())
		if o, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("cpio: %v: %s", err, o)
		}
		return nil
	}
}

var benchFormats = []benchFormat{
	{"zip-deflate", ".zip", func(f []string, out string) error { return inDir(f, out, "zip", "-q", out) }},
	{"zip-deflate64", ".zip", func(f []string, out string) error {
		return inDir(f, out, "7z", "a", "-tzip", "-mm=Deflate64", "-bd", out)
	}},
	{"tar-gz", ".tar.gz", func(f []string, out string) error { return inDir(f, out, "tar", "czf", out) }},
	{"7z", ".7z", func(f []string, out string) error { return inDir(f, out, "7z", "a", "-bd", out) }},
	{"cpio-newc", ".cpio", cpioOf("newc")},
	{"cpio-odc", ".cpio", cpioOf("odc")},
	{"arj", ".arj", func(f []string, out string) error { return inDir(f, out, "arj", "a", "-m1", "-y", out) }},
	{"cab-mszip", ".cab", func(f []string, out string) error { return inDir(f, out, "gcab", "-c", "-z", out) }},
	{"iso9660", ".iso", func(f []string, out string) error {
		return inDir(f, out, "genisoimage", "-quiet", "-J", "-o", out)
	}},
	{"html-data-uri", ".html", func(f []string, out string) error {
		var page strings.Builder
		page.WriteString("<html><body>\n")
		for _, name := range f[:min(len(f), 8)] {
			data, err := os.ReadFile(name)
			if err != nil {
				return err
			}
			fmt.Fprintf(&page, "<p>%s</p><a href=\"data:application/octet-stream;base64,%s\">download</a>\n",
				filepath.Base(name), base64.StdEncoding.EncodeToString(data))
		}
		page.WriteString("</body></html>\n")
		return os.WriteFile(out, []byte(page.String()), 0o644)
	}},
}
