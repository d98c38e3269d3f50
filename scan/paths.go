package scan

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
)

// PathResult is the verdict on one command-line argument or one entry of a
// directory walk: Result when it was scanned, Err when it could not be
// (unreadable, vanished, not a regular file), Skipped when the walk left it
// out on purpose (see the Skip* reasons).
type PathResult struct {
	Path    string
	Result  *Result
	Err     error
	Skipped string
}

// Why a walk leaves an entry out; clamscan prints the same words.
const (
	SkipExcluded = "Excluded"      // --exclude, --include, --exclude-dir, another file system
	SkipSymlink  = "Symbolic link" // a link the walk does not follow
	SkipEmpty    = "Empty file"    // nothing to scan
)

// Symlink modes, clamscan's --follow-dir-symlinks / --follow-file-symlinks.
const (
	LinksNever  = 0 // never follow
	LinksDirect = 1 // follow links named as arguments, not those met in a walk
	LinksAlways = 2 // follow every link (file links only: directory links could loop)
)

// WalkOptions say which files ScanPaths scans, with clamscan's meaning:
// the zero value scans the files named and the files directly inside the
// directories named.
type WalkOptions struct {
	// Recursive descends into subdirectories (clamscan -r).
	Recursive bool
	// MaxDepth bounds the directory levels below an argument when
	// Recursive (clamscan --max-dir-recursion); 0 means no bound.
	MaxDepth int
	// SameFS skips entries on another file system than the argument they
	// were found under (clamscan --cross-fs=no).
	SameFS bool
	// FileLinks and DirLinks are the Links* modes for symbolic links to
	// files and to directories.
	FileLinks, DirLinks int
	// Exclude and Include match file paths, ExcludeDir and IncludeDir
	// directory paths (clamscan --exclude and friends): an excluded entry,
	// or one no include pattern matches, is skipped. File patterns see the
	// file's absolute path with links resolved, as clamscan's do;
	// directory patterns see the path as walked.
	Exclude, Include, ExcludeDir, IncludeDir []*regexp.Regexp
	// Stdin is read for the argument "-", reported as "stdin".
	Stdin io.Reader
}

// WalkStats count what a ScanPaths call walked.
type WalkStats struct {
	Dirs int // directories read
}

// MaxStdin bounds what "-" reads: the data is held in memory.
const MaxStdin = 1 << 30

// ScanPaths scans the files paths name and those found in the directories
// they name, as w says, with jobs files at once, and calls fn with each
// verdict in walk order (directories sorted by name), from the calling
// goroutine.
func (e *Engine) ScanPaths(ctx context.Context, paths []string, w WalkOptions, jobs int, fn func(PathResult)) WalkStats {
	wk := walker{opts: w}
	for _, p := range paths {
		wk.arg(p)
	}
	jobs = max(jobs, 1)
	results := make([]chan PathResult, len(wk.entries))
	for i := range results {
		results[i] = make(chan PathResult, 1)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range jobs {
		wg.Go(func() {
			for i := range next {
				results[i] <- e.scanEntry(ctx, wk.entries[i], w.Stdin)
			}
		})
	}
	go func() {
		defer func() { close(next); wg.Wait() }()
		for i := range wk.entries {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	for i := range wk.entries {
		select {
		case r := <-results[i]:
			fn(r)
		case <-ctx.Done():
			return wk.stats
		}
	}
	return wk.stats
}

// entry is one verdict to come: a file to scan, or a walk result ready
// as it is (scan false).
type entry struct {
	PathResult
	scan  bool
	stdin bool
}

func (e *Engine) scanEntry(ctx context.Context, en entry, stdin io.Reader) PathResult {
	switch {
	case !en.scan:
		return en.PathResult
	case en.stdin:
		if stdin == nil {
			return PathResult{Path: en.Path, Err: fmt.Errorf("no standard input to read")}
		}
		data, err := io.ReadAll(io.LimitReader(stdin, MaxStdin+1))
		if err == nil && len(data) > MaxStdin {
			err = fmt.Errorf("standard input is larger than %d bytes", MaxStdin)
		}
		if err != nil {
			return PathResult{Path: en.Path, Err: err}
		}
		if len(data) == 0 {
			return PathResult{Path: en.Path, Skipped: SkipEmpty}
		}
		r, err := e.Scan(ctx, en.Path, bytes.NewReader(data), int64(len(data)))
		return PathResult{Path: en.Path, Result: r, Err: err}
	}
	r, err := e.ScanFile(ctx, en.Path)
	return PathResult{Path: en.Path, Result: r, Err: err}
}

// walker turns arguments into entries, in order.
type walker struct {
	opts    WalkOptions
	entries []entry
	stats   WalkStats
}

func (wk *walker) add(p PathResult) { wk.entries = append(wk.entries, entry{PathResult: p}) }

func (wk *walker) arg(p string) {
	if p == "-" {
		wk.entries = append(wk.entries, entry{PathResult: PathResult{Path: "stdin"}, scan: true, stdin: true})
		return
	}
	if len(p) > 1 {
		p = strings.TrimRight(p, "/")
		if p == "" {
			p = "/"
		}
	}
	st, err := os.Lstat(p)
	if err != nil {
		wk.add(PathResult{Path: p, Err: err})
		return
	}
	if st.Mode()&os.ModeSymlink != 0 {
		if wk.opts.FileLinks == LinksNever && wk.opts.DirLinks == LinksNever {
			wk.add(PathResult{Path: p, Skipped: SkipSymlink})
			return
		}
		target, err := os.Stat(p)
		switch {
		case err != nil:
			wk.add(PathResult{Path: p, Err: err})
		case target.Mode().IsRegular() && wk.opts.FileLinks != LinksNever:
			wk.file(p, target)
		case target.IsDir() && wk.opts.DirLinks != LinksNever:
			wk.dir(p, 1, devOf(target))
		default:
			wk.add(PathResult{Path: p, Skipped: SkipSymlink})
		}
		return
	}
	switch {
	case st.Mode().IsRegular():
		wk.file(p, st)
	case st.IsDir():
		wk.dir(p, 1, devOf(st))
	default:
		wk.add(PathResult{Path: p, Err: fmt.Errorf("%w: %s", ErrNotRegular, p)})
	}
}

// file adds a regular file, unless a pattern or its size leaves it out.
func (wk *walker) file(p string, st os.FileInfo) {
	o := &wk.opts
	if len(o.Exclude) > 0 || len(o.Include) > 0 {
		real := p
		if abs, err := filepath.Abs(p); err == nil {
			real = abs
			if r, err := filepath.EvalSymlinks(abs); err == nil {
				real = r
			}
		}
		if matchAny(o.Exclude, real) || (len(o.Include) > 0 && !matchAny(o.Include, real)) {
			wk.add(PathResult{Path: p, Skipped: SkipExcluded})
			return
		}
	}
	if st.Size() == 0 {
		wk.add(PathResult{Path: p, Skipped: SkipEmpty})
		return
	}
	wk.entries = append(wk.entries, entry{PathResult: PathResult{Path: p}, scan: true})
}

// dir adds the entries of directory p, found depth levels below (1 for an
// argument), on device dev.
func (wk *walker) dir(p string, depth int, dev uint64) {
	o := &wk.opts
	if matchAny(o.ExcludeDir, p) || (len(o.IncludeDir) > 0 && !matchAny(o.IncludeDir, p)) {
		wk.add(PathResult{Path: p, Skipped: SkipExcluded})
		return
	}
	ents, err := os.ReadDir(p)
	if err != nil {
		wk.add(PathResult{Path: p, Err: err})
		return
	}
	wk.stats.Dirs++
	for _, d := range ents {
		child := filepath.Join(p, d.Name())
		st, err := os.Lstat(child)
		if err != nil {
			wk.add(PathResult{Path: child, Err: err})
			continue
		}
		if o.SameFS && devOf(st) != dev {
			wk.add(PathResult{Path: child, Skipped: SkipExcluded})
			continue
		}
		switch {
		case st.Mode()&os.ModeSymlink != 0:
			if o.FileLinks != LinksAlways {
				wk.add(PathResult{Path: child, Skipped: SkipSymlink})
				continue
			}
			if target, err := os.Stat(child); err == nil && target.Mode().IsRegular() {
				wk.file(child, target)
			} else {
				wk.add(PathResult{Path: child, Skipped: SkipSymlink})
			}
		case st.Mode().IsRegular():
			wk.file(child, st)
		case st.IsDir():
			if o.Recursive && (o.MaxDepth <= 0 || depth < o.MaxDepth) {
				wk.dir(child, depth+1, dev)
			}
		}
		// Devices, sockets and pipes met in a walk are not files to scan;
		// clamscan passes over them too.
	}
}

// matchAny reports whether any pattern matches s. As in clamscan, a
// pattern ending in "/" is matched against s with a "/" appended, so
// "/tmp/" names the directory and what is in it.
func matchAny(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		t := s
		if strings.HasSuffix(re.String(), "/") {
			t += "/"
		}
		if re.MatchString(t) {
			return true
		}
	}
	return false
}
