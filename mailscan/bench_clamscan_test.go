package mailscan

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigtool/sigtool/matcher"
	"github.com/sigtool/sigtool/sigfile"
)

// BenchmarkMailVsClamscan runs the gateway policy over typical mail (50 KB
// messages, a 200 KB attachment every fifth) on one goroutine with a real
// matcher, and clamscan over the same files with the same signature files
// in the same run. clamscan's load time is measured on an empty file and
// subtracted, so the ratio compares scanning, not start-up.
// Goal (issue: mailscan): >= 20x clamscan's message rate.
func BenchmarkMailVsClamscan(b *testing.B) {
	if _, err := exec.LookPath("clamscan"); err != nil {
		b.Skip("clamscan not installed")
	}
	nBody, nHash, nMsg := 100_000, 1_000_000, 200
	if testing.Short() {
		nBody, nHash, nMsg = 10_000, 100_000, 50
	}
	dir := b.TempDir()
	ndb := matcher.GenerateBodySigs(nBody, 7)
	hashes := matcher.GenerateHashSigs(nHash, 7)
	writeLines(b, filepath.Join(dir, "gen.ndb"), ndb)
	writeLines(b, filepath.Join(dir, "gen.hsb"), hashes) // .hsb takes any digest length

	s := realScanner(b, map[sigfile.Kind][]string{sigfile.KindNDB: ndb, sigfile.KindHSB: hashes})

	msgs := typicalMail(nMsg)
	mailDir := filepath.Join(dir, "mail")
	os.Mkdir(mailDir, 0o755)
	var total int64
	for i, msg := range msgs {
		os.WriteFile(filepath.Join(mailDir, fmt.Sprintf("%04d.eml", i)), msg, 0o644)
		total += int64(len(msg))
	}
	empty := filepath.Join(dir, "empty.txt")
	os.WriteFile(empty, []byte("x\n"), 0o644)

	for b.Loop() {
		start := time.Now()
		for _, msg := range msgs {
			o, err := s.Process(context.Background(), msg, Envelope{})
			if err != nil || o.Action != Deliver {
				b.Fatalf("clean mail: %v %v", o.Action, err)
			}
		}
		ours := time.Since(start).Seconds()

		db := []string{"--no-summary", "-d", filepath.Join(dir, "gen.ndb"), "-d", filepath.Join(dir, "gen.hsb")}
		load := timeRun(b, append(db, empty)...)
		all := timeRun(b, append(db, mailDir)...)
		clam := all - load
		if clam <= 0 {
			clam = all
		}
		b.ReportMetric(float64(nMsg)/ours, "msgs/s")
		b.ReportMetric(float64(total)/ours/1e6, "MB/s")
		b.ReportMetric(float64(nMsg)/clam, "clamscan-msgs/s")
		b.ReportMetric(clam/ours, "x-clamscan")
		b.ReportMetric(load, "clamscan-load-s")
	}
}

func writeLines(b *testing.B, path string, lines []string) {
	b.Helper()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for _, l := range lines {
		w.WriteString(l)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
}

// timeRun runs clamscan and returns its wall time; exit 1 (found) is not
// expected here and fails the benchmark, as does any error.
func timeRun(b *testing.B, args ...string) float64 {
	b.Helper()
	start := time.Now()
	out, err := exec.Command("clamscan", args...).CombinedOutput()
	if err != nil {
		b.Fatalf("clamscan %s: %v\n%s", strings.Join(args[len(args)-1:], " "), err, out)
	}
	return time.Since(start).Seconds()
}
