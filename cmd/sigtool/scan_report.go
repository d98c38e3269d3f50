package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"time"

	"github.com/sigtool/sigtool/internal/buildinfo"
	"github.com/sigtool/sigtool/scan"
)

// scanReport prints sigtool scan's verdicts and summary the way clamscan
// does: verdicts and the summary on stdout (and in the --log file, except
// "OK" lines, which clamscan does not log either), warnings on stderr
// (stdout with --stdout) and in the log.
type scanReport struct {
	o          *scanOptions
	out, errw  io.Writer
	log        io.Writer
	unofficial func(string) bool // --compat: names printed with ".UNOFFICIAL"
	start      time.Time

	sigs, dirs                int
	files, infected, errors   int
	missing                   int // --compat: arguments that do not exist
	readBlocks, scannedBlocks int64
	writeErr                  error
}

// countPrecision is the unit of clamscan's "Data scanned" and "Data read":
// it counts each scanned buffer and each file in whole 4 KiB blocks.
const countPrecision = 4096

func (r *scanReport) write(w io.Writer, s string) {
	if _, err := io.WriteString(w, s); err != nil && r.writeErr == nil {
		r.writeErr = err
	}
}

// info is a line of the report: stdout and the log.
func (r *scanReport) info(s string) {
	if !r.o.quiet {
		r.write(r.out, s+"\n")
	}
	r.logOnly(s + "\n")
}

func (r *scanReport) logOnly(s string) {
	if r.log != nil {
		r.write(r.log, s)
	}
}

func (r *scanReport) warn(s string) {
	r.write(r.errw, "WARNING: "+s+"\n")
	r.logOnly("WARNING: " + s + "\n")
}

// verdict prints one path's verdict and counts it.
func (r *scanReport) verdict(v fileVerdict, pr scan.PathResult) {
	o := r.o
	if o.verbose && pr.Skipped == "" && pr.Result != nil {
		r.write(r.out, "Scanning "+v.Path+"\n")
	}
	switch v.Status {
	case "skipped":
	case "infected":
		r.files++
		r.infected++
	case "error":
		if o.compat && errors.Is(pr.Err, fs.ErrNotExist) {
			r.missing++ // clamscan counts a missing argument only in its exit status
		} else {
			r.errors++
		}
	default:
		r.files++
	}
	if pr.Result != nil {
		r.readBlocks += pr.Result.Size / countPrecision
		for n := range pr.Result.All() {
			r.scannedBlocks += n.Size / countPrecision
		}
	}
	if o.json {
		if !o.quiet {
			if v.Signatures == nil {
				v.Signatures = []string{}
			}
			writeJSONLine(r.out, v)
		}
		return
	}
	switch v.Status {
	case "infected":
		for _, line := range r.foundLines(v) {
			r.info(line)
		}
		if o.bell {
			r.write(r.errw, "\a")
		}
	case "clean":
		if !o.infected && !o.suppressOK && !o.quiet {
			r.write(r.out, v.Path+": OK\n")
		}
	case "skipped":
		if !o.infected {
			r.info(v.Path + ": " + pr.Skipped)
		}
	default:
		r.errorLine(v, pr)
	}
}

// foundLines are the FOUND lines of an infected file: without --compat
// one per finding, naming the member; with it clamscan's, one per
// signature under the file's own path. Without --allmatch only the first.
func (r *scanReport) foundLines(v fileVerdict) []string {
	var lines []string
	seen := map[string]bool{}
	for _, f := range v.Findings {
		path, name := f.Path, f.Signature
		if r.o.compat {
			path = v.Path
			if seen[name] {
				continue
			}
			seen[name] = true
			if r.unofficial != nil && r.unofficial(name) {
				name += ".UNOFFICIAL"
			}
		}
		lines = append(lines, fmt.Sprintf("%s: %s FOUND", path, name))
		if !r.o.allMatch {
			break
		}
	}
	return lines
}

// errorLine reports a path that could not be scanned. With --compat a
// missing argument and an unreadable file are said clamscan's way.
func (r *scanReport) errorLine(v fileVerdict, pr scan.PathResult) {
	if r.o.compat {
		switch {
		case errors.Is(pr.Err, fs.ErrNotExist):
			r.warn(v.Path + ": Can't access file")
			return
		case errors.Is(pr.Err, fs.ErrPermission):
			if !r.o.infected {
				r.info(v.Path + ": Access denied")
			}
			return
		}
	}
	if !r.o.infected {
		r.info(fmt.Sprintf("%s: %s ERROR", v.Path, v.Error))
	}
}

// summarize prints clamscan's summary, unless --no-summary, --quiet or
// --json.
func (r *scanReport) summarize() {
	o := r.o
	if o.noSummary || o.quiet || o.json {
		return
	}
	end := time.Now()
	took := end.Sub(r.start)
	sec, ms := int64(took/time.Second), int64(took%time.Second/time.Millisecond)
	mb := func(blocks int64) float64 { return float64(blocks) * (countPrecision / 1024) / 1024 }
	ratio := 0.0
	if r.readBlocks > 0 {
		ratio = float64(r.scannedBlocks) / float64(r.readBlocks)
	}
	r.info("\n----------- SCAN SUMMARY -----------")
	r.info(fmt.Sprintf("Known viruses: %d", r.sigs))
	r.info("Engine version: sigtool " + buildinfo.Version())
	r.info(fmt.Sprintf("Scanned directories: %d", r.dirs))
	r.info(fmt.Sprintf("Scanned files: %d", r.files))
	r.info(fmt.Sprintf("Infected files: %d", r.infected))
	if r.errors > 0 {
		r.info(fmt.Sprintf("Total errors: %d", r.errors))
	}
	r.info(fmt.Sprintf("Data scanned: %2.2f MB", mb(r.scannedBlocks)))
	r.info(fmt.Sprintf("Data read: %2.2f MB (ratio %.2f:1)", mb(r.readBlocks), ratio))
	r.info(fmt.Sprintf("Time: %d.%03d sec (%d m %d s)", sec, ms, sec/60, sec%60))
	r.info("Start Date: " + r.start.Format("2006:01:02 15:04:05"))
	r.info("End Date:   " + end.Format("2006:01:02 15:04:05"))
}

// failed reports the first failed write of the report, once.
func (r *scanReport) failed() error {
	if r.writeErr != nil {
		return fmt.Errorf("writing the scan report: %w", r.writeErr)
	}
	return nil
}

// fileVerdict is the JSON contract of `sigtool scan --json`.
type fileVerdict struct {
	Path       string    `json:"path"`
	Status     string    `json:"status"` // clean | infected | error | skipped
	Signatures []string  `json:"signatures"`
	Findings   []finding `json:"findings,omitempty"`
	Error      string    `json:"error,omitempty"`
	Skipped    string    `json:"skipped,omitempty"` // Excluded | Symbolic link | Empty file
	// Damaged lists the damaged or truncated archives inside a file that
	// still scanned clean or infected (as clamscan, which says nothing
	// of them): a caller that refuses damaged files can see them here.
	Damaged []damage `json:"damaged,omitempty"`
}

// damage is one damaged or truncated archive or member and what is wrong.
type damage struct {
	Path  string `json:"path"`
	Error string `json:"error"`
}

// finding is one match inside a file: the member path and the signature.
type finding struct {
	Path      string `json:"path"`
	Signature string `json:"signature"`
}

// verdictOf turns one path's scan result into its verdict.
func verdictOf(pr scan.PathResult, alertEncrypted bool) fileVerdict {
	v := fileVerdict{Path: pr.Path}
	switch {
	case pr.Skipped != "":
		v.Status, v.Skipped = "skipped", pr.Skipped
		return v
	case pr.Err != nil:
		v.Status, v.Error = "error", errAbout(pr.Path, pr.Err)
		return v
	}
	r := pr.Result
	for n := range r.All() {
		if n.Damage != nil {
			v.Damaged = append(v.Damaged, damage{Path: n.Path, Error: n.Damage.Error()})
		}
	}
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
