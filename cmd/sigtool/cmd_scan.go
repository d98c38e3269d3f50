package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"github.com/sigtool/sigtool/engine"
	"github.com/sigtool/sigtool/internal/buildinfo"
	"github.com/sigtool/sigtool/scan"
)

type scanOptions struct {
	json            bool
	recursive       bool
	summary         bool
	allMatch        bool
	pua             bool
	alertExceedsMax bool
	alertEncrypted  bool
	maxFileSize     int64
	maxScanSize     int64
	maxRecursion    int
	maxFiles        int
	jobs            int
}

func init() { extraCommands = append(extraCommands, newScanCommand) }

func newScanCommand(g *globalOptions) *cobra.Command {
	var o scanOptions
	def := scan.DefaultOptions().Limits
	cmd := &cobra.Command{
		Use:   "scan [flags] PATH...",
		Short: "Scan files and directories (archives and mail inside) with the store's signatures",
		Long: `Scan files with every signature in the store. Directories are walked; archives
(zip, tar, gzip, bzip2, xz, 7z, rar) and mail files are scanned inside, with
ClamAV's default limits. Output is clamscan's: "PATH: NAME FOUND", "PATH: OK",
"PATH: reason ERROR"; a match inside an archive names the member
("PATH!member/inner.exe: NAME FOUND"). A file that exceeds a limit is reported
as an error, never as clean.

EXIT STATUS
  0  nothing found
  1  something found
  2  an error and nothing found`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runScan(cmd.Context(), g, o, args, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.json, "json", false, "one JSON object per file per line")
	f.BoolVarP(&o.recursive, "recursive", "r", false, "walk directories (always on for directory arguments; accepted for clamscan habits)")
	f.BoolVar(&o.summary, "summary", false, "print a scan summary at the end")
	f.BoolVarP(&o.allMatch, "allmatch", "z", false, "print every match, not only the first of each file (JSON always has all)")
	f.BoolVar(&o.pua, "pua", false, "also load PUA signatures (.hdu .ndu ...)")
	f.BoolVar(&o.alertExceedsMax, "alert-exceeds-max", false, "report files over a limit as Heuristics.Limits.Exceeded FOUND")
	f.BoolVar(&o.alertEncrypted, "alert-encrypted", false, "report encrypted archives as Heuristics.Encrypted FOUND")
	f.Int64Var(&o.maxFileSize, "max-filesize", def.MaxFileSize, "largest file or member scanned, bytes")
	f.Int64Var(&o.maxScanSize, "max-scansize", def.MaxScanSize, "most data scanned per file, bytes")
	f.IntVar(&o.maxRecursion, "max-recursion", def.MaxRecursion, "deepest archive nesting")
	f.IntVar(&o.maxFiles, "max-files", def.MaxFiles, "most members scanned per file")
	f.IntVarP(&o.jobs, "jobs", "j", runtime.GOMAXPROCS(0), "files scanned at once")
	return cmd
}

// fileVerdict is the JSON contract of `sigtool scan --json`.
type fileVerdict struct {
	Path       string    `json:"path"`
	Status     string    `json:"status"` // clean | infected | error
	Signatures []string  `json:"signatures"`
	Findings   []finding `json:"findings,omitempty"`
	Error      string    `json:"error,omitempty"`
}

func runScan(ctx context.Context, g *globalOptions, o scanOptions, args []string, stdout, stderr io.Writer) error {
	start := time.Now()
	db, err := g.openDB(true)
	if err != nil {
		return err
	}
	sopt := scan.DefaultOptions()
	sopt.Limits.MaxFileSize, sopt.Limits.MaxScanSize = o.maxFileSize, o.maxScanSize
	sopt.Limits.MaxRecursion, sopt.Limits.MaxFiles = o.maxRecursion, o.maxFiles
	sopt.AlertExceedsMax = o.alertExceedsMax
	sopt.Expand = scan.ExpandMail
	snap, err := engine.CompileWith(ctx, db, engine.Options{Scan: &sopt, PUA: o.pua})
	db.Close()
	if err != nil {
		return err
	}
	for _, p := range snap.Problems {
		fmt.Fprintln(stderr, "warning: not loaded:", p)
	}

	var found, errs, files int
	var scanned int64
	snap.Scan.ScanPaths(ctx, args, o.jobs, func(pr scan.PathResult) {
		v := verdictOf(pr, o.alertEncrypted)
		files++
		if pr.Result != nil {
			scanned += pr.Result.Size
		}
		switch v.Status {
		case "infected":
			found++
		case "error":
			errs++
		}
		printVerdict(stdout, o.json, o.allMatch, v)
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	if o.summary && !o.json {
		st := snap.Stats()
		fmt.Fprintf(stdout, "\n----------- SCAN SUMMARY -----------\n")
		fmt.Fprintf(stdout, "Known viruses: %d\n", st.HashSigs+st.SectionHashSigs+st.BodySigs+st.LogicalSigs)
		fmt.Fprintf(stdout, "Engine version: sigtool %s\n", buildinfo.Version())
		fmt.Fprintf(stdout, "Scanned files: %d\n", files)
		fmt.Fprintf(stdout, "Infected files: %d\n", found)
		if errs > 0 {
			fmt.Fprintf(stdout, "Total errors: %d\n", errs)
		}
		fmt.Fprintf(stdout, "Data scanned: %.2f MB\n", float64(scanned)/1e6)
		fmt.Fprintf(stdout, "Time: %.3f sec (compile %.3f sec)\n", time.Since(start).Seconds(), snap.Took.Seconds())
	}
	switch {
	case found > 0:
		return errFound
	case errs > 0:
		return &exitCodeError{code: exitError}
	}
	return nil
}

func printVerdict(w io.Writer, asJSON, allMatch bool, v fileVerdict) {
	if asJSON {
		if v.Signatures == nil {
			v.Signatures = []string{}
		}
		writeJSONLine(w, v)
		return
	}
	switch v.Status {
	case "clean":
		fmt.Fprintf(w, "%s: OK\n", v.Path)
	case "infected":
		for i, f := range v.Findings {
			if i > 0 && !allMatch {
				break // clamscan stops at the first match unless --allmatch
			}
			fmt.Fprintf(w, "%s: %s FOUND\n", f.Path, f.Signature)
		}
	default:
		fmt.Fprintf(w, "%s: %s ERROR\n", v.Path, v.Error)
	}
}

// finding is one match inside a file: the member path and the signature.
type finding struct {
	Path      string `json:"path"`
	Signature string `json:"signature"`
}

// verdictOf turns one path's scan result into its verdict.
func verdictOf(pr scan.PathResult, alertEncrypted bool) fileVerdict {
	v := fileVerdict{Path: pr.Path}
	if pr.Err != nil {
		v.Status, v.Error = "error", pr.Err.Error()
		return v
	}
	r := pr.Result
	for _, f := range r.Findings() {
		v.Findings = append(v.Findings, finding{Path: f.Path, Signature: f.Signature})
	}
	if alertEncrypted {
		for n := range r.All() {
			if n.Encrypted {
				v.Findings = append(v.Findings, finding{Path: n.Path, Signature: "Heuristics.Encrypted." + n.Format.String()})
				break
			}
		}
	}
	seen := map[string]bool{}
	for _, f := range v.Findings {
		if !seen[f.Signature] {
			seen[f.Signature] = true
			v.Signatures = append(v.Signatures, f.Signature)
		}
	}
	sort.Strings(v.Signatures)
	switch {
	case len(v.Findings) > 0:
		v.Status = "infected"
	case r.Problem() != nil:
		v.Status, v.Error = "error", r.Problem().Error()
	default:
		v.Status = "clean"
	}
	return v
}
