package scan

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// TestScanPathsOrder: verdicts come back in path order whatever the number
// of workers, directories are walked, and an unreadable path is a verdict
// with an error, not a silent skip.
func TestScanPathsOrder(t *testing.T) {
	dir := t.TempDir()
	var want []string
	for i := range 20 {
		p := filepath.Join(dir, fmt.Sprintf("f%02d", i))
		data := "clean"
		if i%3 == 0 {
			data = "x " + marker
		}
		os.WriteFile(p, []byte(data), 0o644)
		want = append(want, p)
	}
	missing := filepath.Join(dir, "missing")
	for _, jobs := range []int{1, 4} {
		e := New(&fakeDetector{}, DefaultOptions())
		var got []PathResult
		e.ScanPaths(context.Background(), []string{missing, dir}, WalkOptions{}, jobs, func(r PathResult) { got = append(got, r) })
		if len(got) != len(want)+1 {
			t.Fatalf("jobs %d: %d verdicts, want %d", jobs, len(got), len(want)+1)
		}
		if got[0].Path != missing || got[0].Err == nil {
			t.Errorf("jobs %d: missing path verdict %+v", jobs, got[0])
		}
		for i, r := range got[1:] {
			if r.Path != want[i] {
				t.Fatalf("jobs %d: verdict %d is %s, want %s", jobs, i, r.Path, want[i])
			}
			if infected := r.Result.Infected(); infected != (i%3 == 0) {
				t.Errorf("jobs %d: %s infected = %v", jobs, r.Path, infected)
			}
		}
	}
}

// walkTree builds:
//
//	top/a.bin (infected)   top/b.txt   top/empty
//	top/sub/c.bin (infected)   top/sub/deep/d.bin
//	top/skip/e.bin   top/link -> a.bin   top/dirlink -> sub
func walkTree(t *testing.T) string {
	t.Helper()
	top := filepath.Join(t.TempDir(), "top")
	for name, data := range map[string]string{
		"a.bin": "x " + marker, "b.txt": "clean", "empty": "",
		"sub/c.bin": marker, "sub/deep/d.bin": "clean", "skip/e.bin": "clean",
	} {
		p := filepath.Join(top, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("a.bin", filepath.Join(top, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("sub", filepath.Join(top, "dirlink")); err != nil {
		t.Fatal(err)
	}
	return top
}

// outcome is a verdict in one word: the signature, OK, the skip reason or
// ERROR, keyed by the path below top.
func outcomes(top string, got []PathResult) map[string]string {
	m := map[string]string{}
	for _, r := range got {
		rel, _ := filepath.Rel(top, r.Path)
		if r.Path == "stdin" {
			rel = "stdin"
		}
		switch {
		case r.Skipped != "":
			m[rel] = r.Skipped
		case r.Err != nil:
			m[rel] = "ERROR"
		case r.Result.Infected():
			m[rel] = testSig
		default:
			m[rel] = "OK"
		}
	}
	return m
}

func TestScanPathsWalkOptions(t *testing.T) {
	top := walkTree(t)
	re := func(s ...string) []*regexp.Regexp {
		var out []*regexp.Regexp
		for _, p := range s {
			out = append(out, regexp.MustCompile(p))
		}
		return out
	}
	flat := map[string]string{"a.bin": testSig, "b.txt": "OK", "empty": SkipEmpty, "link": SkipSymlink, "dirlink": SkipSymlink}
	with := func(base map[string]string, kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				delete(m, kv[i])
			} else {
				m[kv[i]] = kv[i+1]
			}
		}
		return m
	}
	all := with(flat, "sub/c.bin", testSig, "sub/deep/d.bin", "OK", "skip/e.bin", "OK")
	tests := []struct {
		name string
		args []string
		w    WalkOptions
		want map[string]string
		dirs int
	}{
		{"not recursive: the directory's own files", []string{top}, WalkOptions{}, flat, 1},
		{"recursive", []string{top}, WalkOptions{Recursive: true}, all, 4},
		{"max depth 2", []string{top}, WalkOptions{Recursive: true, MaxDepth: 2},
			with(all, "sub/deep/d.bin", ""), 3},
		{"exclude files", []string{top}, WalkOptions{Recursive: true, Exclude: re(`\.bin$`)},
			with(all, "a.bin", SkipExcluded, "sub/c.bin", SkipExcluded, "sub/deep/d.bin", SkipExcluded, "skip/e.bin", SkipExcluded), 4},
		{"include files", []string{top}, WalkOptions{Recursive: true, Include: re(`c\.bin$`)},
			with(all, "a.bin", SkipExcluded, "b.txt", SkipExcluded, "empty", SkipExcluded, "sub/deep/d.bin", SkipExcluded, "skip/e.bin", SkipExcluded), 4},
		{"exclude dir", []string{top}, WalkOptions{Recursive: true, ExcludeDir: re(`/skip$`)},
			with(all, "skip/e.bin", "", "skip", SkipExcluded), 3},
		{"exclude dir pattern ending in /", []string{top}, WalkOptions{Recursive: true, ExcludeDir: re(`/sub/`)},
			with(all, "sub/c.bin", "", "sub/deep/d.bin", "", "sub", SkipExcluded), 2},
		{"include dir", []string{top}, WalkOptions{Recursive: true, IncludeDir: re(`top(/sub)?$`)},
			with(all, "skip/e.bin", "", "skip", SkipExcluded, "sub/deep/d.bin", "", "sub/deep", SkipExcluded), 2},
		{"file links always", []string{top}, WalkOptions{FileLinks: LinksAlways}, with(flat, "link", testSig), 1},
		{"a link argument is followed by default", []string{filepath.Join(top, "link"), filepath.Join(top, "dirlink")},
			WalkOptions{FileLinks: LinksDirect, DirLinks: LinksDirect}, map[string]string{"link": testSig, "dirlink/c.bin": testSig}, 1},
		{"links never", []string{filepath.Join(top, "link")}, WalkOptions{}, map[string]string{"link": SkipSymlink}, 0},
		{"stdin", []string{"-"}, WalkOptions{Stdin: strings.NewReader("x" + marker)}, map[string]string{"stdin": testSig}, 0},
		{"empty stdin", []string{"-"}, WalkOptions{Stdin: strings.NewReader("")}, map[string]string{"stdin": SkipEmpty}, 0},
		{"trailing slash", []string{top + "/"}, WalkOptions{}, flat, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := New(&fakeDetector{}, DefaultOptions())
			var got []PathResult
			st := e.ScanPaths(context.Background(), tt.args, tt.w, 2, func(r PathResult) { got = append(got, r) })
			if m := outcomes(top, got); !maps.Equal(m, tt.want) {
				t.Errorf("got  %v\nwant %v", m, tt.want)
			}
			if st.Dirs != tt.dirs {
				t.Errorf("read %d directories, want %d", st.Dirs, tt.dirs)
			}
		})
	}
}

// TestScanPathsSameFS: with SameFS an entry on another file system (a
// tmpfs mounted inside the walked tree) is skipped as Excluded.
func TestScanPathsSameFS(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	top := walkTree(t)
	mnt := filepath.Join(top, "mnt")
	os.Mkdir(mnt, 0o755)
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=1m"); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v", err)
	}
	defer syscall.Unmount(mnt, 0)
	os.WriteFile(filepath.Join(mnt, "f.bin"), []byte(marker), 0o644)
	for _, same := range []bool{false, true} {
		e := New(&fakeDetector{}, DefaultOptions())
		var got []PathResult
		e.ScanPaths(context.Background(), []string{top}, WalkOptions{Recursive: true, SameFS: same}, 1, func(r PathResult) { got = append(got, r) })
		m := outcomes(top, got)
		if same && (m["mnt"] != SkipExcluded || m["mnt/f.bin"] != "") {
			t.Errorf("SameFS: mnt %q, mnt/f.bin %q; want Excluded and not walked", m["mnt"], m["mnt/f.bin"])
		}
		if !same && m["mnt/f.bin"] != testSig {
			t.Errorf("cross file systems: mnt/f.bin %q", m["mnt/f.bin"])
		}
	}
}
