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
	"syscall"
	"testing"
	"time"

	"github.com/sigtool/sigtool/internal/realfiles"

	"github.com/sigtool/sigtool/daemonconfig"
	"github.com/sigtool/sigtool/engine"
	"github.com/sigtool/sigtool/sigdb"
	"github.com/sigtool/sigtool/unpack"
)

// BenchmarkVsClamd: scans per second and latency over INSTREAM with 64
// concurrent clients on loopback (Unix sockets), our sigupdated beside
// Debian's clamd in the same run, both loaded with ClamAV's published
// databases (../shared/corpus/clamav-real), on real PE DLLs (Debian's
// libwine, unpacked at /tmp/wine/x), ELF libraries, documents and the
// real mail corpus.
//
// Both daemons run with their defaults, clean caches on: clamd answers
// content it found clean before from the MD5 of its bytes, ours from the
// SHA-256. Two regimes. "New content": each file is streamed once to
// each side (the first half of the files in the first of the alternating
// runs, the second half in the second), so no cache can answer, as for a
// gateway's mostly unique attachments. "Seen before": the same files
// twice more, the caches answering the clean ones. (A benchmark that
// streamed each file several times and called it scanning measured
// clamd's cache lookup against our scans.)
//
// Each side runs alone: the other daemon is stopped (SIGSTOP) while one
// is measured, and the same client code drives both, alternating clamd,
// ours, clamd, ours, so a change in the machine's load hits both. Beside
// the rate: each daemon's CPU time per scan (from /proc, so what the
// rest of this shared machine takes is not counted), memory after the
// runs (VmRSS) and its peak (VmHWM), and, for new content, the engine's
// own CPU time per scan of the same files in this process (one at a time,
// then max_threads at once, the daemons stopped), so that what the
// service adds shows. The tables go to stdout and, with
// SIGTOOL_BENCH_WRITE=1, to testdata/bench-results.md.
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
	sets := []struct {
		name  string
		files []string
	}{
		{"PE (libwine DLLs)", realfiles.Evenly("/tmp/wine/x", func(p string) bool { return strings.HasSuffix(p, ".dll") }, 240)},
		{"ELF (shared libraries)", realfiles.Evenly("/usr/lib/x86_64-linux-gnu", isELF, 240)},
		{"documents (PDF, HTML)", realfiles.Evenly("/usr/share/doc", func(p string) bool { return strings.HasSuffix(p, ".pdf") || strings.HasSuffix(p, ".html") }, 240)},
		{"mail (real messages)", realfiles.Evenly("../../shared/corpus/mail", func(p string) bool { return !strings.HasSuffix(p, ".md") && !strings.HasSuffix(p, ".tsv") }, 400)},
	}
	setData := make([][][]byte, len(sets))
	setBytes := make([]int64, len(sets))
	for k, set := range sets {
		for _, f := range set.files {
			d, _ := os.ReadFile(f)
			setData[k] = append(setData[k], d)
			setBytes[k] += int64(len(d))
		}
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, "\n## sigupdated vs clamd over INSTREAM, 64 clients, Unix sockets (%s)\n", time.Now().Format("2006-01-02"))
	d := startPair(b, dir, bin, store, dbdir)
	alone := compileAlone(b, store, filepath.Join(dir, "ours.toml"))
	for _, rg := range []struct {
		name   string
		rounds int // times each file is streamed to each side
	}{
		{"New content: each file streamed once to each side, so that no clean cache can answer", 1},
		{"Seen before: the same files twice more to each side, the clean caches (both daemons' default) answering the clean ones", 2},
	} {
		var rows []string
		la0 := loadavg()
		for k, set := range sets {
			if len(set.files) == 0 {
				fmt.Printf("%s: no files here, skipped\n", set.name)
				continue
			}
			data, total := setData[k], setBytes[k]
			r := map[string]loadResult{}
			for i, side := range []string{"clamd", "sigupdated", "clamd", "sigupdated"} {
				// Once: the first half of the files, then the second.
				lo, hi := 0, len(data)
				if rg.rounds == 1 {
					lo, hi = i/2*len(data)/2, (i/2+1)*len(data)/2
				}
				r[side] = r[side].merge(d.run(b, side, data, lo, hi))
			}
			o, c := r["sigupdated"], r["clamd"]
			engineCols := ""
			if rg.rounds == 1 {
				// The same files through the engine in this process, the
				// daemons stopped: one at a time, then max_threads at once.
				d.signal(syscall.SIGSTOP)
				e1, e10 := engineRun(alone, data, 1), engineRun(alone, data, 10)
				d.signal(syscall.SIGCONT)
				engineCols = fmt.Sprintf(" %.2f | %.2f |", e1, e10)
				fmt.Printf("%s: the engine alone %.2f ms CPU a scan, 10 at once %.2f ms\n", set.name, e1, e10)
			}
			fmt.Printf("%s: ours %.0f/s, %.2f ms CPU a scan, %.0f%% of a core, client %.2f ms; clamd %.0f/s, %.2f ms, %.0f%%, client %.2f ms; load %s\n", set.name,
				o.rate(), o.cpuPerScan(), 100*o.cpu.Seconds()/o.wall.Seconds(), o.clientPerScan(),
				c.rate(), c.cpuPerScan(), 100*c.cpu.Seconds()/c.wall.Seconds(), c.clientPerScan(), loadavg())
			rows = append(rows, fmt.Sprintf("| %s | %d files, %.2f MB avg | %.0f | %.1f / %.1f | %.2f | %d | %.0f | %.1f / %.1f | %.2f | %d | **%.1fx** | %.1fx |%s",
				set.name, len(data), float64(total)/float64(len(data))/1e6,
				o.rate(), o.pct(50), o.pct(99), o.cpuPerScan(), o.found, c.rate(), c.pct(50), c.pct(99), c.cpuPerScan(), c.found,
				o.rate()/c.rate(), c.cpuPerScan()/o.cpuPerScan(), engineCols))
			if o.failed+c.failed > 0 {
				rows = append(rows, fmt.Sprintf("|  | errors: ours %d, clamd %d | | | | | | | | | | |", o.failed, c.failed))
				// Name each file that got an ERROR and why: a container or
				// method we cannot open is an ERROR by design (clamd passes
				// it as OK), anything else is a fault to fix.
				for side, res := range map[string]loadResult{"ours": o, "clamd": c} {
					for _, i := range slices.Sorted(maps.Keys(res.errs)) {
						rows = append(rows, fmt.Sprintf("|  | %s ERROR: %s: %s | | | | | | | | | | |", side, set.files[i], res.errs[i]))
					}
				}
			}
		}
		orss, ohwm := memory(d.ours.Process.Pid)
		crss, chwm := memory(d.clamd.Process.Pid)
		fmt.Fprintf(&out, "\n### %s\n\n", rg.name)
		if rg.rounds == 1 {
			out.WriteString("| files | set | ours scans/s | ours p50 / p99 ms | ours CPU ms/scan | ours FOUND | clamd scans/s | clamd p50 / p99 ms | clamd CPU ms/scan | clamd FOUND | ours / clamd scans/s | clamd / ours CPU a scan | engine alone CPU ms/scan | engine, 10 at once |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		} else {
			out.WriteString("| files | set | ours scans/s | ours p50 / p99 ms | ours CPU ms/scan | ours FOUND | clamd scans/s | clamd p50 / p99 ms | clamd CPU ms/scan | clamd FOUND | ours / clamd scans/s | clamd / ours CPU a scan |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		}
		for _, r := range rows {
			out.WriteString(r + "\n")
		}
		fmt.Fprintf(&out, "\nMemory after these runs (VmRSS / peak VmHWM so far): ours %d / %d MiB, clamd %d / %d MiB (%.2fx / %.2fx of clamd's). Load average (1 min, 2 cores) at the start and the end: %s, %s.\n",
			orss, ohwm, crss, chwm, float64(orss)/float64(crss), float64(ohwm)/float64(chwm), la0, loadavg())
	}
	sigCounts := fmt.Sprintf("ours %s known viruses as sigtool scan counts them, clamd %s as its log says", knownViruses(b, filepath.Join(bin, "sigtool"), store, dir), clamdLoaded(filepath.Join(dir, "clamd.log")))
	fmt.Fprintf(&out, "\nLike with like: both daemons loaded the same %d files of ../shared/corpus/clamav-real (%s), scan the same files in the same order with the same 64 clients, each scan a new connection; clamd %s.\n", len(sigfiles), sigCounts, clamdVersion(d.clamdSock))
	fmt.Fprintf(&out, "\nLimits: %s.\n", compareLimits(b, filepath.Join(dir, "ours.toml"), dir))
	d.stop()

	fmt.Print(out.String())
	if os.Getenv("SIGTOOL_BENCH_WRITE") == "1" {
		if err := os.WriteFile("testdata/bench-results.md", append([]byte("# clamd BenchmarkVsClamd (written by make bench)\n"), out.Bytes()...), 0o644); err != nil {
			b.Error(err)
		}
	}
	for range b.N {
	}
}

// compileAlone compiles store in this process as the daemon configured
// by oursToml does, without the clean cache.
func compileAlone(b *testing.B, store, oursToml string) *engine.Snapshot {
	text, _ := os.ReadFile(oursToml)
	c, err := daemonconfig.Parse(text)
	if err != nil {
		b.Fatal(err)
	}
	db, err := sigdb.Open(store, &sigdb.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	sopt := c.Scan.Options()
	snap, err := engine.CompileWith(context.Background(), db, engine.Options{Scan: &sopt, PUA: c.Scan.PUA, CleanCache: -1})
	if err != nil {
		b.Fatal(err)
	}
	return snap
}

// engineRun scans each of data once as INSTREAM does, workers at a time,
// and returns this process's CPU time a scan in ms (the clients are idle
// meanwhile, the daemons stopped).
func engineRun(snap *engine.Snapshot, data [][]byte, workers int) float64 {
	var next atomic.Int64
	var wg sync.WaitGroup
	t0 := selfCPU()
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(data) {
					return
				}
				snap.Scan.Scan(context.Background(), "stream", unpack.Bytes(data[i]), int64(len(data[i])))
			}
		})
	}
	wg.Wait()
	return (selfCPU() - t0).Seconds() * 1000 / float64(len(data))
}

// pair is our daemon and clamd, serving the same signatures.
type pair struct {
	ours, clamd         *exec.Cmd
	oursSock, clamdSock string
}

// startPair starts both daemons in dir, each with its default clean cache
// and the other settings alike, and waits until both answer PING.
func startPair(b *testing.B, dir, bin, store, dbdir string) *pair {
	p := &pair{oursSock: filepath.Join(dir, "ours.sock"), clamdSock: filepath.Join(dir, "clamd.sock")}
	os.Remove(p.oursSock)
	os.Remove(p.clamdSock)
	os.WriteFile(filepath.Join(dir, "ours.toml"), []byte(fmt.Sprintf("db = %q\n[scan]\nunix_socket = %q\nmax_queue = 128\n", store, p.oursSock)), 0o644)
	os.WriteFile(filepath.Join(dir, "clamd.conf"), []byte(fmt.Sprintf("LocalSocket %s\nDatabaseDirectory %s\nForeground yes\nTemporaryDirectory %s\nLogFile %s/clamd.log\nPidFile %s/clamd.pid\nMaxQueue 128\n", p.clamdSock, dbdir, dir, dir, dir)), 0o644)
	start := func(sock string, name string, args ...string) *exec.Cmd {
		cmd := exec.Command(name, args...)
		cmd.Stderr = io.Discard
		t0 := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { cmd.Process.Signal(syscall.SIGCONT); cmd.Process.Kill(); cmd.Wait() })
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
	p.ours = start(p.oursSock, filepath.Join(bin, "sigupdated"), "--config", filepath.Join(dir, "ours.toml"), "--log-level", "warn")
	p.clamd = start(p.clamdSock, "/usr/sbin/clamd", "--config-file="+filepath.Join(dir, "clamd.conf"))
	return p
}

// run streams data[lo:hi] to side ("clamd" or "sigupdated") with the
// other daemon stopped, and counts the CPU time both the daemon and this
// process (the clients) spent.
func (p *pair) run(b *testing.B, side string, data [][]byte, lo, hi int) loadResult {
	this, other, sock := p.clamd, p.ours, p.clamdSock
	if side == "sigupdated" {
		this, other, sock = p.ours, p.clamd, p.oursSock
	}
	other.Process.Signal(syscall.SIGSTOP)
	defer other.Process.Signal(syscall.SIGCONT)
	c0, l0 := procCPU(this.Process.Pid), selfCPU()
	res := runLoad(b, sock, data, lo, hi)
	res.cpu, res.client = procCPU(this.Process.Pid)-c0, selfCPU()-l0
	return res
}

func (p *pair) signal(sig os.Signal) {
	p.ours.Process.Signal(sig)
	p.clamd.Process.Signal(sig)
}

func (p *pair) stop() {
	for _, c := range []*exec.Cmd{p.ours, p.clamd} {
		c.Process.Kill()
		c.Wait()
	}
}

// memory is process pid's VmRSS and VmHWM in MiB.
func memory(pid int) (rss, hwm int64) {
	st, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
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
	cpu, client   time.Duration // the daemon's CPU time, the load generator's
	found, failed int
	errs          map[int]string // data index -> an ERROR reply it got
}

func (r loadResult) merge(o loadResult) loadResult {
	errs := map[int]string{}
	maps.Copy(errs, r.errs)
	maps.Copy(errs, o.errs)
	return loadResult{append(r.lat, o.lat...), r.wall + o.wall, r.cpu + o.cpu, r.client + o.client, r.found + o.found, r.failed + o.failed, errs}
}

func (r loadResult) cpuPerScan() float64 { return r.cpu.Seconds() * 1000 / float64(len(r.lat)) }

func (r loadResult) clientPerScan() float64 { return r.client.Seconds() * 1000 / float64(len(r.lat)) }

// procCPU is the user and system time process pid has used so far.
func procCPU(pid int) time.Duration {
	st, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	// The fields after the command's closing parenthesis: utime and stime
	// are the 12th and 13th, in clock ticks (100 a second on Linux).
	_, rest, _ := strings.Cut(string(st), ") ")
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * 10 * time.Millisecond
}

func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadavg is the machine's 1-minute load average.
func loadavg() string {
	la, _ := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(la)); len(f) > 0 {
		return f[0]
	}
	return "?"
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

// runLoad streams data[lo:hi], each once, with 64 clients at once.
func runLoad(b *testing.B, sock string, data [][]byte, lo, hi int) loadResult {
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
				i := lo + int(next.Add(1)) - 1
				if i >= hi {
					return
				}
				s := time.Now()
				reply, err := c.Instream(context.Background(), bytes.NewReader(data[i]))
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
					res.errs[i] = reply
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
