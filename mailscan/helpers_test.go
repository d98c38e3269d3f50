package mailscan

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigtool/sigtool/filetype"
	"github.com/sigtool/sigtool/matcher"
	"github.com/sigtool/sigtool/quarantine"
	"github.com/sigtool/sigtool/scan"
	"github.com/sigtool/sigtool/sigfile"
)

// fakeDetector stands in for the signature matcher: it reports
// Test.Marker.A for bytes containing "MARKER-A", Test.Marker.B for
// "MARKER-B", and fails on "DETECT-FAIL".
type fakeDetector struct{}

var errDetect = errors.New("fake detector failure")

func (d fakeDetector) Match(ctx context.Context, r io.ReaderAt, size int64, _ filetype.Info) (matcher.Result, error) {
	names, err := d.Detect(ctx, r, size)
	return matcher.Result{Names: names}, err
}

func (fakeDetector) Detect(ctx context.Context, r io.ReaderAt, size int64) ([]string, error) {
	data := make([]byte, size)
	n, err := r.ReadAt(data, 0)
	if err != nil && err != io.EOF {
		return nil, err
	}
	data = data[:n]
	var sigs []string
	if bytes.Contains(data, []byte("MARKER-A")) {
		sigs = append(sigs, "Test.Marker.A")
	}
	if bytes.Contains(data, []byte("MARKER-B")) {
		sigs = append(sigs, "Test.Marker.B")
	}
	if bytes.Contains(data, []byte("DETECT-FAIL")) {
		return sigs, errDetect
	}
	return sigs, nil
}

func testPolicy() Policy {
	p := DefaultPolicy()
	p.Gateway = "gw.test"
	return p
}

func testEngine() *scan.Engine { return scan.New(fakeDetector{}, scan.DefaultOptions()) }

func openStore(t testing.TB) *quarantine.Store {
	t.Helper()
	q, err := quarantine.Open(filepath.Join(t.TempDir(), "quarantine.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	return q
}

// newTestScanner returns a scanner with the fake detector, policy p and a
// fresh quarantine.
func newTestScanner(t testing.TB, p Policy) (*Scanner, *quarantine.Store) {
	t.Helper()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	q := openStore(t)
	return NewScanner(testEngine(), p, q), q
}

// compileSigs compiles signature lines (by file kind) into the real
// matcher.
func compileSigs(tb testing.TB, sigs map[sigfile.Kind][]string) *matcher.Matcher {
	tb.Helper()
	bld := matcher.NewBuilder()
	for kind, lines := range sigs {
		for _, l := range lines {
			e, err := sigfile.ParseLine(kind, strings.TrimSpace(l))
			if err != nil {
				tb.Fatal(err)
			}
			if err := bld.Add(e); err != nil {
				tb.Fatal(err)
			}
		}
	}
	m, err := bld.Build(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// realScanner returns a policy scanner on the real matcher with sigs,
// with mail expansion.
func realScanner(tb testing.TB, sigs map[sigfile.Kind][]string) *Scanner {
	tb.Helper()
	opts := scan.DefaultOptions()
	opts.Expand = scan.ExpandMail
	return NewScanner(scan.New(compileSigs(tb, sigs), opts), testPolicy(), openStore(tb))
}
