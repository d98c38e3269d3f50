package scan

import (
	"context"
	"io/fs"
	"path/filepath"
	"sync"
)

// PathResult is the verdict on one file named on a command line or found
// in a directory walk: Result when it was scanned, Err when it could not be
// (unreadable, vanished, not a regular file).
type PathResult struct {
	Path   string
	Result *Result
	Err    error
}

// ScanPaths scans files and directory trees (sorted, symlinks not followed,
// as clamscan does by default) with jobs files at once, and calls fn with
// each verdict in path order, from the calling goroutine.
func (e *Engine) ScanPaths(ctx context.Context, paths []string, jobs int, fn func(PathResult)) {
	files, walkErrs := expandPaths(paths)
	for _, w := range walkErrs {
		fn(w)
	}
	jobs = max(jobs, 1)
	results := make([]chan PathResult, len(files))
	for i := range results {
		results[i] = make(chan PathResult, 1)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range jobs {
		wg.Go(func() {
			for i := range next {
				r, err := e.ScanFile(ctx, files[i])
				results[i] <- PathResult{Path: files[i], Result: r, Err: err}
			}
		})
	}
	go func() {
		defer func() { close(next); wg.Wait() }()
		for i := range files {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	for i := range files {
		select {
		case r := <-results[i]:
			fn(r)
		case <-ctx.Done():
			return
		}
	}
}

// expandPaths turns directories into the regular files below them.
func expandPaths(paths []string) ([]string, []PathResult) {
	var files []string
	var errs []PathResult
	for _, a := range paths {
		err := filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, PathResult{Path: p, Err: err})
				return nil
			}
			if d.Type().IsRegular() {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			errs = append(errs, PathResult{Path: a, Err: err})
		}
	}
	return files, errs
}
