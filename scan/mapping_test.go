package scan

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"github.com/sigtool/sigtool/filetype"
	"github.com/sigtool/sigtool/matcher"
	"github.com/sigtool/sigtool/sigfile"
)

// canMap says whether ScanFile maps files on this platform.
const canMap = runtime.GOOS == "linux"

// sigMatcher builds a real matcher from .ndb lines.
func sigMatcher(t testing.TB, lines ...string) *matcher.Matcher {
	t.Helper()
	typed := make([]sigLine, len(lines))
	for i, l := range lines {
		typed[i] = sigLine{sigfile.KindNDB, l}
	}
	return linesMatcher(t, typed)
}

// sigLine is one line of a signature file of the given kind.
type sigLine struct {
	kind sigfile.Kind
	line string
}

// linesMatcher builds a real matcher from lines of any signature files.
func linesMatcher(t testing.TB, lines []sigLine) *matcher.Matcher {
	t.Helper()
	bl := matcher.NewBuilder()
	for _, l := range lines {
		e, err := sigfile.ParseLine(l.kind, l.line)
		if err != nil {
			t.Fatal(err)
		}
		if err := bl.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	m, err := bl.Build(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// plantedFile writes size bytes of filler with the bytes of each pattern
// at the given offsets, and returns its path.
func plantedFile(t testing.TB, size int, plant map[int][]byte) string {
	t.Helper()
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i*7 + i>>9)
	}
	for off, b := range plant {
		copy(data[off:], b)
	}
	p := filepath.Join(t.TempDir(), "file.bin")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// spy records whether the detector was handed the file's bytes in memory
// (not their normalised form, which is in memory anyway).
type spy struct {
	Detector
	inMemory []bool
}

func (s *spy) Match(ctx context.Context, r io.ReaderAt, size int64, info filetype.Info) (matcher.Result, error) {
	if !info.Normalized {
		_, ok := r.(interface{ Bytes() []byte })
		s.inMemory = append(s.inMemory, ok)
	}
	return s.Detector.Match(ctx, r, size, info)
}

// TestScanFileMapped: a file of at least minMapSize reaches the matcher as
// its mapping, a smaller one read whole into memory, and either way the verdicts
// are those of scanning the same bytes through ReadAt (patterns across
// the matcher's 1 MiB chunk borders and at the very end).
func TestScanFileMapped(t *testing.T) {
	m := sigMatcher(t,
		"Border:0:*:0102030405060708090a0b0c",
		"Tail:0:*:f1f2f3f4??f6f7",
		"Short:0:*:a1a2??a4a5",
	)
	for _, tc := range []struct {
		size   int
		mapped bool
		plant  map[int][]byte
		want   []string
	}{
		{minMapSize - 1, false, map[int][]byte{100: {0xa1, 0xa2, 0, 0xa4, 0xa5}}, []string{"Short"}},
		{minMapSize, true, map[int][]byte{minMapSize - 7: {0xf1, 0xf2, 0xf3, 0xf4, 0, 0xf6, 0xf7}}, []string{"Tail"}},
		{3<<20 + 5, true, map[int][]byte{
			1<<20 - 6: {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12},
			2<<20 - 2: {0xa1, 0xa2, 0, 0xa4, 0xa5},
			3<<20 - 2: {0xf1, 0xf2, 0xf3, 0xf4, 0, 0xf6, 0xf7},
		}, []string{"Border", "Short", "Tail"}},
		{3 << 20, true, nil, nil},
	} {
		path := plantedFile(t, tc.size, tc.plant)
		s := &spy{Detector: m}
		res, err := New(s, DefaultOptions()).ScanFile(context.Background(), path)
		if err != nil {
			t.Fatalf("size %d: %v", tc.size, err)
		}
		if want := !tc.mapped || canMap; len(s.inMemory) != 1 || s.inMemory[0] != want {
			t.Errorf("size %d: detector calls in memory %v, want [%v]", tc.size, s.inMemory, want)
		}
		if !slices.Equal(res.Signatures, tc.want) {
			t.Errorf("size %d: mapped scan found %v, want %v", tc.size, res.Signatures, tc.want)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := New(m, DefaultOptions()).Scan(context.Background(), path, f, int64(len(data)))
		f.Close()
		if err != nil || !slices.Equal(ref.Signatures, res.Signatures) {
			t.Errorf("size %d: through ReadAt %v (%v), mapped %v", tc.size, ref.Signatures, err, res.Signatures)
		}
	}
}

// truncating shrinks the file to to bytes, then lets the real detector (or
// a plain read of the bytes, if touch) run on the mapping that now reaches
// past the end of the file.
type truncating struct {
	path  string
	to    int64
	next  Detector
	touch bool
}

func (d *truncating) Match(ctx context.Context, r io.ReaderAt, size int64, info filetype.Info) (matcher.Result, error) {
	if err := os.Truncate(d.path, d.to); err != nil {
		return matcher.Result{}, err
	}
	if d.touch {
		mem := r.(interface{ Bytes() []byte }).Bytes()
		var sum byte
		for i := 0; i < len(mem); i += 4096 {
			sum += mem[i]
		}
		runtime.KeepAlive(sum)
	}
	return d.next.Match(ctx, r, size, info)
}

// TestScanFileTruncated: a file truncated while its mapping is scanned
// (the read faults: SIGBUS, or reads zeros inside the last page) is an
// error, ErrFileChanged, not a crash and not clean; the matcher works on
// afterwards.
func TestScanFileTruncated(t *testing.T) {
	if !canMap {
		t.Skip("files are not mapped on " + runtime.GOOS)
	}
	m := sigMatcher(t, "Border:0:*:0102030405060708090a0b0c", "Short:0:*:a1a2??a4a5")
	for _, touch := range []bool{true, false} {
		path := plantedFile(t, 2<<20, map[int][]byte{1 << 20: {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}})
		res, err := New(&truncating{path: path, next: m, touch: touch}, DefaultOptions()).ScanFile(context.Background(), path)
		if !errors.Is(err, ErrFileChanged) {
			t.Fatalf("touch %v: got %v, want ErrFileChanged", touch, err)
		}
		if res == nil || res.Err == nil || len(res.Signatures) != 0 {
			t.Fatalf("touch %v: result %+v, want an error and no verdict", touch, res)
		}
	}
	// Cut inside the last page: nothing faults, the tail reads as zeros.
	const size = 2<<20 + 4000
	path := plantedFile(t, size, nil)
	res, err := New(&truncating{path: path, to: size - 3900, next: m}, DefaultOptions()).ScanFile(context.Background(), path)
	if !errors.Is(err, ErrFileChanged) || res == nil || res.Err == nil {
		t.Fatalf("cut inside the last page: %+v, %v; want ErrFileChanged", res, err)
	}
	// The pooled state of the Detect that faulted must not leak into the next.
	path = plantedFile(t, 2<<20, map[int][]byte{1<<20 - 3: {0xa1, 0xa2, 0, 0xa4, 0xa5}})
	res, err = New(m, DefaultOptions()).ScanFile(context.Background(), path)
	if err != nil || !slices.Equal(res.Signatures, []string{"Short"}) {
		t.Fatalf("after the fault: %v %v, want [Short]", res.Signatures, err)
	}
}

// TestMapFileSizes: mapFile maps files from minMapSize up to maxMapSize
// and leaves smaller and larger ones to ReadAt (it decides on the size
// given, before mapping anything).
func TestMapFileSizes(t *testing.T) {
	path := plantedFile(t, minMapSize, nil)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, tc := range []struct {
		size   int64
		mapped bool
	}{{minMapSize - 1, false}, {minMapSize, canMap}, {maxMapSize + 1, false}} {
		m := mapFile(f, tc.size)
		if (m != nil) != tc.mapped {
			t.Errorf("size %d: mapped %v, want %v", tc.size, m != nil, tc.mapped)
		}
		if m != nil {
			m.unmap()
		}
	}
}
