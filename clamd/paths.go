package clamd

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/sigtool/sigtool/scan"
)

// scanPath is SCAN, CONTSCAN, MULTISCAN and ALLMATCHSCAN on a file or
// directory the daemon reads itself. As clamd: one line per infected or
// failed file (SCAN stops at the first infected file), then "ARG: OK"
// when nothing was found
// and not every file failed. MULTISCAN scans max_threads files at once;
// ALLMATCHSCAN reports every signature of a file.
func (ss *session) scanPath(ctx context.Context, cmd command, arg string) {
	r := ss.reply()
	real, err := filepath.EvalSymlinks(arg)
	if err == nil {
		real, err = filepath.Abs(real)
	}
	if err != nil {
		ss.send(r.error(arg, "File path check failure: "+errnoText(err)+"."))
		return
	}
	if !ss.s.allowed(real) {
		ss.send(r.error(arg, errAccess))
		return
	}
	snap := ss.s.snapshot()
	if snap == nil {
		ss.send(r.error(arg, errNoEngine))
		return
	}
	release, err := ss.s.scanSlot(ctx)
	if err != nil {
		return
	}
	defer release()
	jobs := 1
	if cmd == cmdMultiScan {
		// More workers only on slots free now: the daemon's bound
		// covers MULTISCAN's files too.
		for jobs < ss.s.sem.Max() {
			more, ok := ss.s.sem.TryAcquire()
			if !ok {
				break
			}
			defer more()
			jobs++
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var total, failed, infected int
	ok := true
	// clamd walks the whole tree and passes over empty files and links
	// found in it without a word; so does the walker's Skipped.
	snap.Scan.ScanPaths(ctx, []string{real}, scan.WalkOptions{Recursive: true}, jobs, func(pr scan.PathResult) {
		if !ok || (cmd == cmdScan && infected > 0) || pr.Skipped != "" {
			return
		}
		total++
		ss.s.stats.scans.Add(1)
		var out []byte
		switch {
		case pr.Err != nil && pr.Result == nil:
			failed++
			ss.s.stats.errors.Add(1)
			out = r.error(pr.Path, pathErrText(pr.Err))
		default:
			out = ss.s.verdict(r, pr.Path, pr.Result, pr.Err, cmd == cmdAllMatchScan)
			switch pr.Result.Status() {
			case scan.Infected:
				infected++
			case scan.Failed:
				failed++
			default:
				if pr.Err != nil {
					failed++
				} else {
					out = nil // clean files are not listed, only the final OK
				}
			}
		}
		if out != nil && !ss.send(out) {
			ok = false
			cancel()
			return
		}
		if cmd == cmdScan && infected > 0 {
			cancel()
		}
	})
	if ok && infected == 0 && (failed != total || total == 0) {
		ss.send(r.single(arg, replyOK))
	}
}

// allowed applies scan_roots.
func (s *Server) allowed(path string) bool {
	if len(s.cfg.ScanRoots) == 0 {
		return true
	}
	for _, root := range s.cfg.ScanRoots {
		root = filepath.Clean(root)
		if path == root || strings.HasPrefix(path, root+string(filepath.Separator)) || root == "/" {
			return true
		}
	}
	return false
}

// pathErrText words a file that could not be scanned as clamd does.
func pathErrText(err error) string {
	switch {
	case errors.Is(err, fs.ErrPermission):
		return errAccess
	case errors.Is(err, scan.ErrNotRegular):
		return "Not supported file type"
	}
	return "File path check failure: " + errnoText(err) + "."
}

// errnoText is strerror's wording: "No such file or directory".
func errnoText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		return strings.ToUpper(s[:1]) + s[1:]
	}
	return err.Error()
}
