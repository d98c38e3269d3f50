package cdiff

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/sigtool/sigtool/cvd"
)

var update = flag.Bool("update", false, "rewrite golden files")

const corpusDir = "../../shared/corpus/feeds/clamav"

func readCorpus(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, name))
	if err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	return b
}

func cvdFiles(t testing.TB, n int) map[string][]byte {
	t.Helper()
	c, err := cvd.Read(readCorpus(t, fmt.Sprintf("test-%d.cvd", n)))
	if err != nil {
		t.Fatal(err)
	}
	return c.Files()
}

func corpusDiff(t testing.TB, n int) *Diff {
	t.Helper()
	d, err := Parse(readCorpus(t, fmt.Sprintf("test-%d.cdiff", n)))
	if err != nil {
		t.Fatalf("test-%d.cdiff: %v", n, err)
	}
	return d
}

func clone(m map[string][]byte) map[string][]byte {
	c := make(map[string][]byte, len(m))
	for k, v := range m {
		c[k] = bytes.Clone(v)
	}
	return c
}

func sameFiles(t *testing.T, got, want map[string][]byte) {
	t.Helper()
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Errorf("%s missing", name)
		} else if !bytes.Equal(g, w) {
			t.Errorf("%s differs:\n got %q\nwant %q", name, g, w)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("unexpected file %s", name)
		}
	}
}

// TestChain applies test-2..6.cdiff to test-1.cvd's members; after each
// step the files equal test-N.cvd's members, and the patched .info verifies.
func TestChain(t *testing.T) {
	files := cvdFiles(t, 1)
	for n := 2; n <= 6; n++ {
		d := corpusDiff(t, n)
		if d.Version != n || d.ScriptLen != len(d.Script) {
			t.Errorf("test-%d.cdiff: version %d, declared %d bytes, script %d bytes", n, d.Version, d.ScriptLen, len(d.Script))
		}
		if err := d.Verify(cvd.DefaultCdiffKey); err != nil {
			t.Fatalf("test-%d.cdiff: %v", n, err)
		}
		before := clone(files)
		next, err := Apply(files, d.Script)
		if err != nil {
			t.Fatalf("apply test-%d.cdiff: %v", n, err)
		}
		sameFiles(t, files, before) // input untouched
		sameFiles(t, next, cvdFiles(t, n))
		info, err := cvd.ParseInfo(next["test.info"])
		if err != nil {
			t.Fatal(err)
		}
		if err := info.Verify(cvd.DefaultInfoKey); err != nil {
			t.Errorf("version %d .info: %v", n, err)
		}
		if err := info.CheckMembers(next); err != nil {
			t.Errorf("version %d: %v", n, err)
		}
		files = next
	}
}

// TestChainWrongOrder: test-3 on version 1 fails on XCHG 4 (test-1's .info
// has no DSIG line 4 to match) and leaves the input as it was.
func TestChainWrongOrder(t *testing.T) {
	files := cvdFiles(t, 1)
	before := clone(files)
	_, err := Apply(files, corpusDiff(t, 3).Script)
	if !errors.Is(err, ErrPrefix) {
		t.Fatalf("got %v, want ErrPrefix", err)
	}
	for _, want := range []string{"test.info line 4: expected prefix \"DSIG:SIpZwpONrJh\"", `found "DSIG:TFd9RBeu`, "script line 5"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	sameFiles(t, files, before)
}

// TestCorpusSignatures verifies every cdiff signature, then shows one
// changed byte anywhere makes Parse or Verify fail.
func TestCorpusSignatures(t *testing.T) {
	for n := 2; n <= 6; n++ {
		raw := readCorpus(t, fmt.Sprintf("test-%d.cdiff", n))
		for _, pos := range []int{0, 13, 30, len(raw) / 2, len(raw) - 400, len(raw) - 100, len(raw) - 1} {
			bad := bytes.Clone(raw)
			bad[pos] ^= 0x02
			d, err := Parse(bad)
			if err == nil {
				err = d.Verify(cvd.DefaultCdiffKey)
			}
			if err == nil {
				t.Errorf("test-%d.cdiff with byte %d changed: accepted", n, pos)
			}
		}
		if err := corpusDiff(t, n).Verify(cvd.DefaultInfoKey); !errors.Is(err, cvd.ErrBadSignature) {
			t.Errorf("test-%d.cdiff verified with the .info key: %v", n, err)
		}
	}
}

func TestCorpusTruncated(t *testing.T) {
	raw := readCorpus(t, "test-4.cdiff")
	for _, cut := range []int{40, 100, len(raw) - 400} {
		_, err := Parse(raw[:cut])
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "gzip") {
			t.Errorf("cut at %d: %v, want ErrCorrupt naming gzip", cut, err)
		}
	}
}

func TestChainGolden(t *testing.T) {
	var b strings.Builder
	files := cvdFiles(t, 1)
	for n := 2; n <= 6; n++ {
		d := corpusDiff(t, n)
		fmt.Fprintf(&b, "== test-%d.cdiff (version %d)\n%s", n, d.Version, d.Script)
		var err error
		if files, err = Apply(files, d.Script); err != nil {
			t.Fatal(err)
		}
		names := make([]string, 0, len(files))
		for name := range files {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			fmt.Fprintf(&b, "-- %s %x\n", name, sha256.Sum256(files[name]))
		}
	}
	path := "testdata/chain.golden"
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if b.String() != string(want) {
		t.Errorf("%s differs from output:\n%s", path, b.String())
	}
}
