package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/sigtool/sigtool/engine"
	"github.com/sigtool/sigtool/internal/buildinfo"
	"github.com/sigtool/sigtool/internal/bytesize"
	"github.com/sigtool/sigtool/scan"
)

// scanOptions are sigtool scan's flags. Most are clamscan's, with
// clamscan's names and meaning (the README's table lists them); the
// options of clamscan's that are not here are in scan_clamscan.go.
type scanOptions struct {
	json   bool
	compat bool
	jobs   int

	// Output, as clamscan.
	infected, suppressOK, noSummary, quiet, toStdout, bell, verbose bool
	log                                                             string
	version                                                         bool
	summary                                                         bool // the old opt-in; the summary is now the default

	// Signatures.
	databases      []string
	officialDBOnly yesNo
	failIfOlder    int
	pua            yesNo

	// What is scanned.
	fileList                              string
	recursive, crossFS                    yesNo
	followDirLinks, followFileLinks       int
	maxDirRecursion                       int
	exclude, excludeDir, include, inclDir []string
	scanArchive, scanMail                 yesNo

	// Matching and limits.
	allMatch                    yesNo
	alertExceedsMax             yesNo
	alertEncrypted, alertEncArc yesNo
	maxFileSize, maxScanSize    bytesize.Size
	maxScriptNormalize          bytesize.Size
	maxRecursion, maxFiles      int
}

func init() { extraCommands = append(extraCommands, newScanCommand) }

func newScanCommand(g *globalOptions) *cobra.Command {
	var o scanOptions
	cmd := &cobra.Command{
		Use:   "scan [flags] PATH...|-",
		Short: "Scan files and directories (archives and mail inside), with clamscan's flags",
		Long: `Scan files with every signature in the store, or with -d the signature files
and containers named. It takes clamscan's common flags with clamscan's meaning
(see the README's table); a clamscan flag that is not supported yet is refused
with a message that says so. A directory's files are scanned, its
subdirectories too with -r; - scans standard input. Archives (zip, tar, gzip,
bzip2, xz, 7z, rar) and mail files are scanned inside, with ClamAV's default
limits. Sizes take K, M or G (--max-filesize=100M).

Output is clamscan's: "PATH: NAME FOUND", "PATH: OK", "PATH: reason ERROR",
then clamscan's summary (--no-summary leaves it out). A match inside an archive
names the member ("PATH!member/inner.exe: NAME FOUND"); with --compat the lines
are exactly clamscan's (the file's own path, .UNOFFICIAL after names that do not
come from a signed ClamAV container), for scripts that parse clamscan's output.
A file that exceeds a limit is an ERROR, never OK.

EXIT STATUS
  0  nothing found
  1  something found
  2  an error and nothing found`,
		PreRunE: func(cmd *cobra.Command, args []string) error {
			return checkClamscanOnly(cmd.Flags())
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScan(cmd.Context(), g, o, args, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	o.addFlags(cmd.Flags())
	addClamscanOnly(cmd.Flags())
	return cmd
}

func (o *scanOptions) addFlags(f *pflag.FlagSet) {
	def := scan.DefaultOptions().Limits
	f.BoolVar(&o.json, "json", false, "one JSON object per file per line")
	f.BoolVar(&o.compat, "compat", false, "print exactly what clamscan prints, for scripts that parse it")
	f.IntVarP(&o.jobs, "jobs", "j", runtime.GOMAXPROCS(0), "files scanned at once")

	f.BoolVarP(&o.infected, "infected", "i", false, "only print infected files")
	f.BoolVarP(&o.suppressOK, "suppress-ok-results", "o", false, "skip printing OK files")
	f.BoolVar(&o.noSummary, "no-summary", false, "leave out the summary at the end")
	f.BoolVar(&o.quiet, "quiet", false, "only output error messages")
	f.BoolVar(&o.toStdout, "stdout", false, "write warnings and errors to stdout instead of stderr")
	f.BoolVar(&o.bell, "bell", false, "sound the terminal bell on a detection")
	f.BoolVarP(&o.verbose, "verbose", "v", false, `print "Scanning PATH" before each file`)
	f.StringVarP(&o.log, "log", "l", "", "append the scan report to `FILE`")
	f.BoolVarP(&o.version, "version", "V", false, "print the version and the daily database's version, and exit")
	f.BoolVar(&o.summary, "summary", false, "print the summary (the default now)")
	f.Lookup("summary").Hidden = true

	f.StringArrayVarP(&o.databases, "database", "d", nil, "scan with the signature `FILE/DIR` (files and containers; repeatable) instead of the store")
	yesNoVarP(f, &o.officialDBOnly, "official-db-only", "", false, "only load official signatures (from signed .cvd/.cld containers)")
	f.IntVar(&o.failIfOlder, "fail-if-cvd-older-than", 0, "exit 2 if the newest container is older than `days`")
	yesNoVarP(f, &o.pua, "detect-pua", "", false, "also load PUA signatures (.hdu .ndu ...)")
	f.Var(&o.pua, "pua", "the same as --detect-pua")
	f.Lookup("pua").NoOptDefVal = "yes"

	f.StringVarP(&o.fileList, "file-list", "f", "", "scan the files listed in `FILE`, one per line")
	yesNoVarP(f, &o.recursive, "recursive", "r", false, "scan subdirectories recursively")
	yesNoVarP(f, &o.crossFS, "cross-fs", "", true, "scan files and directories on other file systems")
	f.IntVar(&o.followDirLinks, "follow-dir-symlinks", scan.LinksDirect, "follow directory symlinks (0 = never, 1 = direct)")
	f.IntVar(&o.followFileLinks, "follow-file-symlinks", scan.LinksDirect, "follow file symlinks (0 = never, 1 = direct, 2 = always)")
	f.IntVar(&o.maxDirRecursion, "max-dir-recursion", 15, "deepest directory level scanned with -r")
	f.StringArrayVar(&o.exclude, "exclude", nil, "don't scan files whose names match `REGEX`")
	f.StringArrayVar(&o.excludeDir, "exclude-dir", nil, "don't scan directories matching `REGEX`")
	f.StringArrayVar(&o.include, "include", nil, "only scan files whose names match `REGEX`")
	f.StringArrayVar(&o.inclDir, "include-dir", nil, "only scan directories matching `REGEX`")
	yesNoVarP(f, &o.scanArchive, "scan-archive", "", true, "scan inside archives")
	yesNoVarP(f, &o.scanMail, "scan-mail", "", true, "scan inside mail files")

	yesNoVarP(f, &o.allMatch, "allmatch", "z", false, "print every match, not only the first of each file (JSON always has all)")
	yesNoVarP(f, &o.alertExceedsMax, "alert-exceeds-max", "", false, "report files over a limit as Heuristics.Limits.Exceeded FOUND")
	yesNoVarP(f, &o.alertEncrypted, "alert-encrypted", "", false, "report encrypted archives as Heuristics.Encrypted FOUND")
	yesNoVarP(f, &o.alertEncArc, "alert-encrypted-archive", "", false, "the same as --alert-encrypted (documents are not checked)")
	o.maxFileSize, o.maxScanSize = bytesize.Size(def.MaxFileSize), bytesize.Size(def.MaxScanSize)
	f.Var(&o.maxFileSize, "max-filesize", "largest file or member scanned (K, M, G suffixes)")
	f.Var(&o.maxScanSize, "max-scansize", "most data scanned per file (K, M, G suffixes)")
	o.maxScriptNormalize = bytesize.Size(scan.DefaultMaxScriptNormalize)
	f.Var(&o.maxScriptNormalize, "max-scriptnormalize", "largest script or text also matched normalised (K, M, G suffixes)")
	f.IntVar(&o.maxRecursion, "max-recursion", def.MaxRecursion, "deepest archive nesting")
	f.IntVar(&o.maxFiles, "max-files", def.MaxFiles, "most members scanned per file")
}

// walkOptions checks the path flags and turns them into scan's.
func (o *scanOptions) walkOptions(stdin io.Reader) (scan.WalkOptions, error) {
	w := scan.WalkOptions{
		Recursive: bool(o.recursive), MaxDepth: o.maxDirRecursion, SameFS: !bool(o.crossFS),
		FileLinks: o.followFileLinks, DirLinks: o.followDirLinks, Stdin: stdin,
	}
	if o.followFileLinks < 0 || o.followFileLinks > 2 {
		return w, fmt.Errorf("--follow-file-symlinks: want 0, 1 or 2, not %d", o.followFileLinks)
	}
	switch o.followDirLinks {
	case 0, 1:
	case 2:
		return w, fmt.Errorf("clamscan's --follow-dir-symlinks=2 is not supported by sigtool scan yet: following every directory link can loop; name the linked directories as arguments")
	default:
		return w, fmt.Errorf("--follow-dir-symlinks: want 0 or 1, not %d", o.followDirLinks)
	}
	for _, p := range []struct {
		flag string
		in   []string
		out  *[]*regexp.Regexp
	}{{"exclude", o.exclude, &w.Exclude}, {"exclude-dir", o.excludeDir, &w.ExcludeDir},
		{"include", o.include, &w.Include}, {"include-dir", o.inclDir, &w.IncludeDir}} {
		for _, s := range p.in {
			re, err := regexp.Compile(s)
			if err != nil {
				return w, fmt.Errorf("--%s %q: %w", p.flag, s, err)
			}
			*p.out = append(*p.out, re)
		}
	}
	return w, nil
}

// paths are the arguments, or with --file-list the lines of that file
// (clamscan then ignores the arguments, and says so).
func (o *scanOptions) paths(args []string, warn func(string)) ([]string, error) {
	if o.fileList == "" {
		if len(args) == 0 {
			return nil, errors.New("nothing to scan: give files, directories, - for stdin, or --file-list FILE")
		}
		return args, nil
	}
	if len(args) > 0 {
		warn("Only scanning files from --file-list (files passed at cmdline are ignored)")
	}
	f, err := os.Open(o.fileList)
	if err != nil {
		return nil, fmt.Errorf("--file-list: %w", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if line := strings.TrimRight(sc.Text(), "\r"); line != "" {
			out = append(out, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("--file-list %s: %w", o.fileList, err)
	}
	return out, nil
}

// signatures opens the source of this run's signatures: the store, or the
// -d files.
func (o *scanOptions) signatures(g *globalOptions, warn func(string)) (src engine.Source, done func(), err error) {
	if len(o.databases) > 0 {
		fs, notes, err := loadFileSource(o.databases)
		if err != nil {
			return nil, nil, err
		}
		for _, n := range notes {
			warn(n)
		}
		if o.officialDBOnly {
			fs = fs.officialOnly()
		}
		return fs, func() {}, nil
	}
	db, err := g.openDB(true)
	if err != nil {
		return nil, nil, err
	}
	if o.officialDBOnly {
		return officialSource{db}, func() { db.Close() }, nil
	}
	return db, func() { db.Close() }, nil
}

func runScan(ctx context.Context, g *globalOptions, o scanOptions, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	start := time.Now()
	rep := &scanReport{o: &o, out: stdout, errw: stderr, start: start}
	if o.toStdout {
		rep.errw = stdout
	}
	if o.log != "" {
		lf, err := os.OpenFile(o.log, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("--log: %w", err)
		}
		defer lf.Close()
		rep.log = lf
		rep.logOnly("\n" + strings.Repeat("-", 79) + "\n")
	}
	w, err := o.walkOptions(stdin)
	if err != nil {
		return err
	}
	src, done, err := o.signatures(g, rep.warn)
	if err != nil {
		return err
	}
	feeds, err := src.Feeds()
	if err != nil {
		done()
		return err
	}
	if o.version {
		done()
		fmt.Fprintf(stdout, "sigtool %s%s\n", buildinfo.Version(), dbVersion(feeds))
		return nil
	}
	paths, err := o.paths(args, rep.warn)
	if err != nil {
		done()
		return err
	}
	if o.failIfOlder > 0 {
		if t := newestContainer(feeds); time.Since(t) > time.Duration(o.failIfOlder)*24*time.Hour {
			done()
			//lint:ignore ST1005 clamscan's own words, which scripts look for
			return fmt.Errorf("Virus database is older than %d days! (the newest container was built %s)", o.failIfOlder, describeTime(t))
		}
	}
	sopt := scan.DefaultOptions()
	sopt.Limits.MaxFileSize, sopt.Limits.MaxScanSize = int64(o.maxFileSize), int64(o.maxScanSize)
	sopt.Limits.MaxRecursion, sopt.Limits.MaxFiles = o.maxRecursion, o.maxFiles
	sopt.AlertExceedsMax = bool(o.alertExceedsMax)
	sopt.MaxScriptNormalize = int64(o.maxScriptNormalize)
	sopt.SkipArchives = !bool(o.scanArchive)
	if o.scanMail {
		sopt.Expand = scan.ExpandMail
	}
	snap, err := compileLean(ctx, src, engine.Options{Scan: &sopt, PUA: bool(o.pua)})
	if err == nil && o.compat {
		rep.unofficial, err = unofficialNames(ctx, src)
	}
	done()
	if err != nil {
		return err
	}
	if len(o.databases) > 0 && snap.Unloaded[engine.UnloadInvalid] > 0 {
		// clamscan refuses a database with a bad line; so do we, naming it.
		return fmt.Errorf("%d invalid signature lines, first: %s", snap.Unloaded[engine.UnloadInvalid], strings.Join(snap.Problems, "; "))
	}
	for _, p := range snap.Problems {
		rep.warn("not loaded: " + p)
	}
	st := snap.Stats()
	rep.sigs = st.HashSigs + st.SectionHashSigs + st.BodySigs + st.LogicalSigs

	ws := snap.Scan.ScanPaths(ctx, paths, w, o.jobs, func(pr scan.PathResult) {
		rep.verdict(verdictOf(pr, bool(o.alertEncrypted || o.alertEncArc)), pr)
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	rep.dirs = ws.Dirs
	rep.summarize()
	if err := rep.failed(); err != nil {
		return err
	}
	switch {
	case rep.infected > 0:
		return errFound
	case rep.errors > 0 || rep.missing > 0:
		return &exitCodeError{code: exitError}
	}
	return nil
}

func describeTime(t time.Time) string {
	if t.IsZero() {
		return "never: no feed comes from a container"
	}
	return t.Local().Format(time.DateTime)
}

// compileLean compiles with a tighter GC target (unless GOGC says
// otherwise): a one-shot scan's peak memory is its compile's, and the
// garbage of parsing is most of what a GOGC of 100 lets pile up. With
// 300k body + 4M hash signatures in the store, sigtool scan of one file
// peaked at 501 MB RSS with 100 and 439 MB with 50, for the same CPU time
// (6.8 and 6.9 s; difftest BenchmarkRealData/memory measures it).
func compileLean(ctx context.Context, src engine.Source, opt engine.Options) (*engine.Snapshot, error) {
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(50))
	}
	return engine.CompileWith(ctx, src, opt)
}
