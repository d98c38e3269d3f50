package difftest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sigtool/sigtool/matcher"
)

// The comparative benchmark: the same generated signature files and the
// same 64 MiB of random data for us and for clamscan, in one run.
//
// Our figures come from a child process (this test binary re-executed, see
// TestMain), so that its RSS and peak RSS belong to one database alone and
// not to earlier cases or to the benchmark's own buffers.

const (
	benchDataSize = 64 << 20
	benchSeed     = 20260101
	// childEnv carries the child's job: "DBDIR|DATAFILE".
	childEnv = "DIFFTEST_BENCH_CHILD"
)

type benchSize struct {
	name         string
	body, hashes int
	full         bool // only with SIGTOOL_BENCH_FULL=1
}

// benchSizes: the hash count grows with the body count; the 4M hashes go
// with the 300k case only, which needs SIGTOOL_BENCH_FULL=1 because
// clamscan alone takes minutes to load it.
var benchSizes = []benchSize{
	{name: "10k", body: 10_000, hashes: 100_000},
	{name: "100k", body: 100_000, hashes: 1_000_000},
	{name: "300k", body: 300_000, hashes: 4_000_000, full: true},
}

// ourFigures is what the child measures and prints as JSON.
type ourFigures struct {
	BuildSec float64 `json:"build_s"`
	RSS      int64   `json:"rss"`
	HWM      int64   `json:"hwm"`
	ScanMBs  float64 `json:"scan_mbs"`
	Hits     int     `json:"hits"`
	Err      string  `json:"err,omitempty"`
}

type benchRow struct {
	size             benchSize
	ours             ourFigures
	clamTotal        time.Duration // load + scan of the 64 MiB file
	clamLoad         time.Duration // load + scan of a one-byte file
	clamMBs          float64
	clamRSS          int64
	clamMissing      bool
	clamScanTooShort bool
}

func BenchmarkVsClamscan(b *testing.B) {
	dir := b.TempDir()
	data := filepath.Join(dir, "random.bin")
	tiny := filepath.Join(dir, "tiny.bin")
	writeRandom(b, data, benchDataSize)
	if err := os.WriteFile(tiny, []byte{0x5a}, 0o644); err != nil {
		b.Fatal(err)
	}
	full := os.Getenv("SIGTOOL_BENCH_FULL") == "1"
	var rows []benchRow
	for _, sz := range benchSizes {
		if (sz.full && !full) || (testing.Short() && sz.body > 10_000) {
			continue
		}
		b.Run(sz.name, func(b *testing.B) {
			row := benchOne(b, sz, filepath.Join(dir, sz.name), data, tiny)
			rows = append(rows, row)
			b.ReportMetric(row.ours.BuildSec, "build-s")
			b.ReportMetric(float64(row.ours.RSS)/(1<<20), "rss-MiB")
			b.ReportMetric(row.ours.ScanMBs, "scan-MB/s")
			if row.clamMBs > 0 {
				b.ReportMetric(row.clamMBs, "clamscan-MB/s")
				b.ReportMetric(row.ours.ScanMBs/row.clamMBs, "x-clamscan")
			}
		})
	}
	table := benchTable(rows, full)
	// Printed, not logged: a parent benchmark's log is not shown.
	fmt.Print("\n" + table)
	if os.Getenv("SIGTOOL_BENCH_WRITE") == "1" {
		if err := os.WriteFile(filepath.Join("testdata", "bench-results.md"), []byte(table), 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

func benchOne(b *testing.B, sz benchSize, dbDir, data, tiny string) benchRow {
	if err := os.MkdirAll(dbDir, 0o755); err != nil {
		b.Fatal(err)
	}
	writeLines(b, filepath.Join(dbDir, "bench.ndb"), matcher.GenerateBodySigs(sz.body, benchSeed))
	// The generator mixes MD5, SHA-1 and SHA-256 lines; ClamAV takes the
	// hash type from the digest length in any hash file.
	writeLines(b, filepath.Join(dbDir, "bench.hdb"), matcher.GenerateHashSigs(sz.hashes, benchSeed))

	row := benchRow{size: sz}
	row.ours = runChild(b, dbDir, data)
	if row.ours.Err != "" {
		b.Fatalf("child: %s", row.ours.Err)
	}
	if _, err := exec.LookPath("clamscan"); err != nil {
		if os.Getenv("CI") != "" {
			b.Fatalf("clamscan not found under CI: %v", err)
		}
		row.clamMissing = true
		return row
	}
	row.clamLoad, _ = timeClamscan(b, dbDir, tiny)
	row.clamTotal, row.clamRSS = timeClamscan(b, dbDir, data)
	scanTime := row.clamTotal - row.clamLoad
	// Loading varies from run to run; a scan shorter than that noise
	// gives no throughput worth printing.
	if scanTime <= row.clamLoad/20 || scanTime <= 0 {
		row.clamScanTooShort = true
	} else {
		row.clamMBs = float64(benchDataSize) / 1e6 / scanTime.Seconds()
	}
	return row
}

// timeClamscan runs clamscan on files and returns its wall time (load
// plus scan) and peak RSS.
func timeClamscan(b *testing.B, dbDir string, files ...string) (time.Duration, int64) {
	cmd := exec.Command("clamscan", append([]string{"--no-summary", "-d", dbDir}, files...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
		b.Fatalf("clamscan: %v\n%s", err, stderr.String())
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss * 1024 // kB on Linux
	}
	return d, rss
}

// runChild re-executes the test binary to build and scan in a fresh
// process; see TestMain.
func runChild(b *testing.B, dbDir, data string) ourFigures {
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+dbDir+"|"+data)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("child: %v\n%s", err, stderr.String())
	}
	var f ourFigures
	if err := json.Unmarshal(out, &f); err != nil {
		b.Fatalf("child output %q: %v", out, err)
	}
	return f
}

func writeLines(b testing.TB, path string, lines []string) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for _, l := range lines {
		w.WriteString(l)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

// writeRandom writes size bytes from a seeded generator: the same data
// every run, and nothing a signature file or ClamAV's type detection
// would single out.
func writeRandom(b testing.TB, path string, size int) {
	r := rand.NewChaCha8([32]byte{1, 2, 3})
	buf := make([]byte, size)
	r.Read(buf)
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		b.Fatal(err)
	}
}

func benchTable(rows []benchRow, full bool) string {
	var s strings.Builder
	s.WriteString("| body sigs | hash sigs | our build | our RSS (peak) | our scan | clamscan load+scan | clamscan load | clamscan scan | clamscan RSS | ours / clamscan |\n")
	s.WriteString("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	mib := func(n int64) string { return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20)) }
	for _, r := range rows {
		fmt.Fprintf(&s, "| %d | %d | %.2f s | %s (%s) | %.0f MB/s |", r.size.body, r.size.hashes,
			r.ours.BuildSec, mib(r.ours.RSS), mib(r.ours.HWM), r.ours.ScanMBs)
		switch {
		case r.clamMissing:
			s.WriteString(" n/a | n/a | n/a | n/a | n/a |\n")
		case r.clamScanTooShort:
			fmt.Fprintf(&s, " %.1f s | %.1f s | below load noise | %s | n/a |\n",
				r.clamTotal.Seconds(), r.clamLoad.Seconds(), mib(r.clamRSS))
		default:
			fmt.Fprintf(&s, " %.1f s | %.1f s | %.1f MB/s | %s | %.0fx |\n", r.clamTotal.Seconds(),
				r.clamLoad.Seconds(), r.clamMBs, mib(r.clamRSS), r.ours.ScanMBs/r.clamMBs)
		}
	}
	fmt.Fprintf(&s, "\n%d MiB of random data, one core for our scan (one goroutine, best of five scans), clamscan %s --no-summary.\n",
		benchDataSize>>20, clamVersion())
	s.WriteString("clamscan scan = (load+scan of the data) - (load+scan of a one-byte file).\n")
	// The machine is shared: the load says how much the figures may be
	// depressed by other work.
	if la, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Fprintf(&s, "Load average at the end of the run (2 cores): %s.\n", strings.Join(strings.Fields(string(la))[:3], " "))
	}
	if !full {
		s.WriteString("The 300k body + 4M hash case runs with SIGTOOL_BENCH_FULL=1.\n")
	}
	return s.String()
}

func clamVersion() string {
	out, err := exec.Command("clamscan", "--version").Output()
	if err != nil {
		return "(not installed)"
	}
	v, _, _ := strings.Cut(strings.TrimSpace(string(out)), "/")
	return v
}
