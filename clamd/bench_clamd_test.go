package clamd

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sigtool/sigtool/daemonconfig"
)

// BenchmarkVsClamd: scans per second and latency over INSTREAM with 64
// concurrent clients on loopback (Unix sockets), our sigupdated beside
// Debian's clamd in the same run, both loaded with ClamAV's published
// databases (../shared/corpus/clamav-real), on real PE DLLs (Debian's
// libwine, unpacked at /tmp/wine/x), ELF libraries, documents and the
// real mail corpus. Memory is each daemon's VmRSS after the runs and its
// peak (VmHWM). The table goes to stdout and, with SIGTOOL_BENCH_WRITE=1,
// to testdata/bench-results.md.
func BenchmarkVsClamd(b *testing.B) {
	if _, err := os.Stat("/usr/sbin/clamd"); err != nil {
		b.Skip("clamd (Debian clamav-daemon) not installed")
	}
	corpus := "../../shared/corpus/clamav-real"
	if _, err := os.Stat(corpus); err != nil {
		b.Skip("no " + corpus)
	}
	dir := b.TempDir()
	dbdir := filepath.Join(dir, "db")
	os.Mkdir(dbdir, 0o755)
	gz, _ := filepath.Glob(corpus + "/*.gz")
	for _, g := range gz {
		if err := gunzip(g, filepath.Join(dbdir, strings.TrimSuffix(filepath.Base(g), ".gz"))); err != nil {
			b.Fatal(err)
		}
	}
	// Our daemon: the same files imported into a store.
	bin := filepath.Join(dir, "bin")
	for _, c := range []string{"sigtool", "sigupdated"} {
		if out, err := exec.Command("go", "build", "-o", filepath.Join(bin, c), "github.com/sigtool/sigtool/cmd/"+c).CombinedOutput(); err != nil {
			b.Fatalf("build %s: %v\n%s", c, err, out)
		}
	}
	sigfiles, _ := filepath.Glob(dbdir + "/*")
	store := filepath.Join(dir, "s.db")
	if out, err := exec.Command(filepath.Join(bin, "sigtool"), append([]string{"--db", store, "import", "--skip-invalid", "--feed", "clamav-real"}, sigfiles...)...).CombinedOutput(); err != nil {
		b.Fatalf("import: %v\n%s", err, out)
	}
	oursSock, clamdSock := filepath.Join(dir, "ours.sock"), filepath.Join(dir, "clamd.sock")
	os.WriteFile(filepath.Join(dir, "ours.toml"), []byte(fmt.Sprintf("db = %q\n[scan]\nunix_socket = %q\nmax_queue = 128\n", store, oursSock)), 0o644)
	os.WriteFile(filepath.Join(dir, "clamd.conf"), []byte(fmt.Sprintf("LocalSocket %s\nDatabaseDirectory %s\nForeground yes\nTemporaryDirectory %s\nLogFile %s/clamd.log\nPidFile %s/clamd.pid\nMaxQueue 128\n", clamdSock, dbdir, dir, dir, dir)), 0o644)
	start := func(sock string, name string, args ...string) *exec.Cmd {
		cmd := exec.Command(name, args...)
		cmd.Stderr = io.Discard
		t0 := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		for time.Since(t0) < 5*time.Minute {
			if c, err := NewClient(sock); err == nil {
				if r, err := c.Command(context.Background(), "PING"); err == nil && r == "PONG" {
					fmt.Printf("%s answers after %.1f s\n", filepath.Base(name), time.Since(t0).Seconds())
					return cmd
				}
			}
			time.Sleep(200 * time.Millisecond)
		}
		b.Fatalf("%s did not answer in 5 minutes", name)
		return nil
	}
	ours := start(oursSock, filepath.Join(bin, "sigupdated"), "--config", filepath.Join(dir, "ours.toml"), "--log-level", "warn")
	theirs := start(clamdSock, "/usr/sbin/clamd", "--config-file="+filepath.Join(dir, "clamd.conf"))

	sets := []struct {
		name  string
		files []string
	}{
		{"PE (libwine DLLs)", pick("/tmp/wine/x", func(p string) bool { return strings.HasSuffix(p, ".dll") }, 120)},
		{"ELF (shared libraries)", pick("/usr/lib/x86_64-linux-gnu", isELF, 120)},
		{"documents (PDF, HTML)", pick("/usr/share/doc", func(p string) bool { return strings.HasSuffix(p, ".pdf") || strings.HasSuffix(p, ".html") }, 200)},
		{"mail (real messages)", pick("../../shared/corpus/mail", func(p string) bool { return !strings.HasSuffix(p, ".md") && !strings.HasSuffix(p, ".tsv") }, 400)},
	}
	var rows []string
	for _, set := range sets {
		if len(set.files) == 0 {
			fmt.Printf("%s: no files here, skipped\n", set.name)
			continue
		}
		data := make([][]byte, len(set.files))
		var total int64
		for i, f := range set.files {
			data[i], _ = os.ReadFile(f)
			total += int64(len(data[i]))
		}
		scans := max(4*len(data), 640)
		r := map[string]loadResult{}
		// Alternate, so a change in the machine's load hits both.
		for _, side := range []string{"clamd", "sigupdated", "clamd", "sigupdated"} {
			sock := clamdSock
			if side == "sigupdated" {
				sock = oursSock
			}
			res := runLoad(b, sock, data, scans/2)
			r[side] = r[side].merge(res)
		}
		o, c := r["sigupdated"], r["clamd"]
		rows = append(rows, fmt.Sprintf("| %s | %d files, %.1f MB avg | %.0f | %.1f / %.1f | %d | %.0f | %.1f / %.1f | %d | **%.1fx** |",
			set.name, len(data), float64(total)/float64(len(data))/1e6,
			o.rate(), o.pct(50), o.pct(99), o.found, c.rate(), c.pct(50), c.pct(99), c.found, o.rate()/c.rate()))
		if o.failed+c.failed > 0 {
			rows = append(rows, fmt.Sprintf("|  | errors: ours %d, clamd %d | | | | | | | |", o.failed, c.failed))
			// Name each file that got an ERROR and why: a file we could
			// not scan is an ERROR by design (clamd passes a damaged
			// archive as OK), anything else is a fault to fix.
			for side, res := range map[string]loadResult{"ours": o, "clamd": c} {
				for _, i := range slices.Sorted(maps.Keys(res.errs)) {
					rows = append(rows, fmt.Sprintf("|  | %s ERROR: %s: %s | | | | | | | |", side, set.files[i], res.errs[i]))
				}
			}
		}
	}
	mem := func(cmd *exec.Cmd) (rss, hwm int64) {
		st, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
		for _, l := range strings.Split(string(st), "\n") {
			f := strings.Fields(l)
			if len(f) >= 2 {
				n, _ := strconv.ParseInt(f[1], 10, 64)
				switch f[0] {
				case "VmRSS:":
					rss = n >> 10
				case "VmHWM:":
					hwm = n >> 10
				}
			}
		}
		return
	}
	orss, ohwm := mem(ours)
	crss, chwm := mem(theirs)
	sigCounts := fmt.Sprintf("ours %s known viruses as sigtool scan counts them, clamd %s as its log says", knownViruses(b, filepath.Join(bin, "sigtool"), store, dir), clamdLoaded(filepath.Join(dir, "clamd.log")))
	limits := compareLimits(b, filepath.Join(dir, "ours.toml"), dir)
	var out bytes.Buffer
	fmt.Fprintf(&out, "\n## sigupdated vs clamd over INSTREAM, 64 clients, Unix sockets (%s)\n\n", time.Now().Format("2006-01-02"))
	fmt.Fprintf(&out, "Like with like: both daemons loaded the same %d files of ../shared/corpus/clamav-real (%s), scan the same files in the same order with the same 64 clients, each scan a new connection, alternating clamd, ours, clamd, ours; clamd %s.\n\n", len(sigfiles), sigCounts, clamdVersion(clamdSock))
	fmt.Fprintf(&out, "Limits: %s.\n\n", limits)
	out.WriteString("| files | set | ours scans/s | ours p50 / p99 ms | ours FOUND | clamd scans/s | clamd p50 / p99 ms | clamd FOUND | ours / clamd |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		out.WriteString(r + "\n")
	}
	fmt.Fprintf(&out, "\nMemory after the runs (VmRSS / peak VmHWM): ours %d / %d MiB, clamd %d / %d MiB (%.2fx / %.2fx of clamd's).\n", orss, ohwm, crss, chwm, float64(orss)/float64(crss), float64(ohwm)/float64(chwm))
	fmt.Print(out.String())
	if os.Getenv("SIGTOOL_BENCH_WRITE") == "1" {
		if err := os.WriteFile("testdata/bench-results.md", append([]byte("# clamd BenchmarkVsClamd (written by make bench)\n"), out.Bytes()...), 0o644); err != nil {
			b.Error(err)
		}
	}
	for range b.N {
	}
}

// knownViruses is the "Known viruses" line of sigtool scan with store.
func knownViruses(b *testing.B, sigtool, store, dir string) string {
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o644)
	out, _ := exec.Command(sigtool, "--db", store, "scan", empty).Output()
	for _, l := range strings.Split(string(out), "\n") {
		if n, ok := strings.CutPrefix(l, "Known viruses: "); ok {
			return n
		}
	}
	b.Errorf("sigtool scan printed no Known viruses line:\n%s", out)
	return "?"
}

// clamdLoaded is the count of clamd's "Loaded N signatures." log line.
func clamdLoaded(log string) string {
	b, _ := os.ReadFile(log)
	for _, l := range strings.Split(string(b), "\n") {
		if _, rest, ok := strings.Cut(l, "Loaded "); ok {
			if n, ok := strings.CutSuffix(strings.TrimSpace(rest), " signatures."); ok {
				return n
			}
		}
	}
	return "?"
}

// compareLimits says the scan limits of both: ours from our configuration
// file, clamd's as clamconf reads its clamd.conf in dir.
func compareLimits(b *testing.B, oursToml, dir string) string {
	text, _ := os.ReadFile(oursToml)
	c, err := daemonconfig.Parse(text)
	if err != nil {
		b.Fatal(err)
	}
	sc := c.Scan
	ours := fmt.Sprintf("StreamMaxLength %d, MaxFileSize %d, MaxScanSize %d, MaxRecursion %d, MaxFiles %d, MaxThreads %d, MaxQueue %d",
		sc.StreamMaxLength, sc.MaxFileSize, sc.MaxScanSize, sc.MaxRecursion, sc.MaxFiles, sc.MaxThreads, sc.MaxQueue)
	out, _ := exec.Command("clamconf", "-c", dir).Output()
	var theirs []string
	for _, k := range []string{"StreamMaxLength", "MaxFileSize", "MaxScanSize", "MaxRecursion", "MaxFiles", "MaxThreads", "MaxQueue"} {
		v := "?"
		for _, l := range strings.Split(string(out), "\n") {
			if rest, ok := strings.CutPrefix(l, k+" = "); ok {
				v = strings.Trim(rest, `"`)
				break
			}
		}
		theirs = append(theirs, k+" "+v)
	}
	return "ours " + ours + "; clamd " + strings.Join(theirs, ", ") + " (clamconf)"
}

func clamdVersion(sock string) string {
	c, _ := NewClient(sock)
	v, _ := c.Command(context.Background(), "VERSION")
	return v
}

type loadResult struct {
	lat           []time.Duration
	wall          time.Duration
	found, failed int
	errs          map[int]string // data index -> an ERROR reply it got
}

func (r loadResult) merge(o loadResult) loadResult {
	errs := map[int]string{}
	maps.Copy(errs, r.errs)
	maps.Copy(errs, o.errs)
	return loadResult{append(r.lat, o.lat...), r.wall + o.wall, r.found + o.found, r.failed + o.failed, errs}
}

func (r loadResult) rate() float64 { return float64(len(r.lat)) / r.wall.Seconds() }

func (r loadResult) pct(p int) float64 {
	l := slices.Clone(r.lat)
	slices.Sort(l)
	if len(l) == 0 {
		return 0
	}
	return float64(l[(len(l)-1)*p/100].Microseconds()) / 1000
}

// runLoad scans n files (round robin over data) with 64 clients at once.
func runLoad(b *testing.B, sock string, data [][]byte, n int) loadResult {
	c, _ := NewClient(sock)
	c.Timeout = 5 * time.Minute
	var next atomic.Int64
	var mu sync.Mutex
	var res loadResult
	var wg sync.WaitGroup
	t0 := time.Now()
	for range 64 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				s := time.Now()
				reply, err := c.Instream(context.Background(), bytes.NewReader(data[i%len(data)]))
				d := time.Since(s)
				mu.Lock()
				res.lat = append(res.lat, d)
				switch {
				case err != nil || strings.HasSuffix(reply, " ERROR"):
					res.failed++
					if res.errs == nil {
						res.errs = map[int]string{}
					}
					if err != nil {
						reply = err.Error()
					}
					res.errs[i%len(data)] = reply
				case strings.HasSuffix(reply, " FOUND"):
					res.found++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res.wall = time.Since(t0)
	return res
}

// pick returns up to n regular files under root, at most 20 MB each,
// spread over the sorted list.
func pick(root string, ok func(string) bool, n int) []string {
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

func isELF(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	var m [4]byte
	_, err = io.ReadFull(f, m[:])
	return err == nil && string(m[:]) == "\x7fELF"
}

func gunzip(src, dst string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, z); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
