package scan

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sigtool/sigtool/sigfile"
	"github.com/sigtool/sigtool/unpack"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "unpack", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestScanArchives(t *testing.T) {
	encZip := func() []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.CreateRaw(&zip.FileHeader{Name: "locked.exe", Flags: 1, CompressedSize64: 6, UncompressedSize64: 6})
		w.Write([]byte(marker[:6]))
		w2, _ := zw.Create("open.txt")
		io.WriteString(w2, "fine")
		zw.Close()
		return buf.Bytes()
	}()
	tests := []struct {
		name     string
		data     []byte
		want     string // outline
		infected bool
		members  int
	}{
		{"clean.txt", []byte("nothing here"), "clean.txt\n", false, 0},
		{"bad.txt", []byte("xx " + marker + " yy"), "bad.txt Test.Sig\n", true, 0},
		{"a.zip", zipOf(t, f("dir/", ""), f("dir/ok.txt", "fine"), f("dir/evil.exe", marker)),
			"a.zip [zip]\na.zip!dir/ok.txt\na.zip!dir/evil.exe Test.Sig\n", true, 3},
		{"nested.tgz", gzipOf(t, "", tarOf(t, f("in.zip", string(zipOf(t, f("deep.bin", "..."+marker)))), f("readme", "hi"))),
			"nested.tgz [gzip]\nnested.tgz!nested.tar [tar]\nnested.tgz!nested.tar!in.zip [zip]\nnested.tgz!nested.tar!in.zip!deep.bin Test.Sig\nnested.tgz!nested.tar!readme\n", true, 1},
		{"enc.zip", encZip, "enc.zip [zip] encrypted\nenc.zip!locked.exe encrypted\nenc.zip!open.txt\n", false, 2},
		// 7-Zip stores data this small as an uncompressed LZMA2 chunk, so
		// the marker is visible in the archive's own bytes too.
		{"plain.7z", readFixture(t, "plain.7z"), "plain.7z [7z] Test.Sig\nplain.7z!bad.bin Test.Sig\nplain.7z!docs/readme.txt\n", true, 3},
		{"encrypted.7z", readFixture(t, "encrypted.7z"), "encrypted.7z [7z] encrypted\nencrypted.7z!bad.bin encrypted\nencrypted.7z!docs/readme.txt encrypted\n", false, 2},
		{"headers.7z", readFixture(t, "encrypted-headers.7z"), "headers.7z [7z] encrypted\n", false, 0},
		{"x.bz2", readFixture(t, "hello.txt.bz2"), "x.bz2 [bzip2]\nx.bz2!x Test.Sig\n", true, 1},
		{"broken.zip", []byte("PK\x03\x04 this is not really a zip " + marker), "broken.zip [zip] Test.Sig damaged\n", true, 0},
		// Cut before its directory: no member can be read, the marker in
		// the archive's own bytes is still found.
		{"cut.7z", withoutDirectory(readFixture(t, "plain.7z")), "cut.7z [7z] Test.Sig damaged\n", true, 0},
	}
	e := New(&fakeDetector{}, DefaultOptions())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := scanBytes(t, e, tt.name, tt.data)
			if got := outline(res); got != tt.want {
				t.Errorf("tree:\n%s\nwant:\n%s", got, tt.want)
			}
			if res.Infected() != tt.infected {
				t.Errorf("Infected = %v", res.Infected())
			}
			if res.MemberCount != tt.members {
				t.Errorf("MemberCount = %d, want %d", res.MemberCount, tt.members)
			}
		})
	}
}

// withoutDirectory is a 7z archive cut where its header (the directory of
// its members) begins, as a transfer cut short leaves it.
func withoutDirectory(sz []byte) []byte {
	// The start header: magic (6), version (2), CRC (4), then the next
	// header's offset from the end of the 32-byte start header.
	return sz[:32+binary.LittleEndian.Uint64(sz[12:20])]
}

// TestDamageIsNotAProblem: a damaged archive is judged, as ClamAV judges
// it, on its bytes and the members that could be read: clean when
// nothing matched, the damage recorded in Damage, not a Problem.
func TestDamageIsNotAProblem(t *testing.T) {
	e := New(&fakeDetector{}, DefaultOptions())
	for name, data := range map[string][]byte{
		"cut.7z":     withoutDirectory(readFixture(t, "encrypted.7z")),
		"broken.zip": []byte("PK\x03\x04 this is not really a zip"),
		"cut.tar":    tarOf(t, f("a.txt", strings.Repeat("text ", 300)))[:900],
	} {
		res := scanBytes(t, e, name, data)
		if res.Status() != Clean || res.Problem() != nil || res.Damage == nil || !errors.Is(res.Damage, unpack.ErrCorrupt) {
			t.Errorf("%s: status %s, problem %v, damage %v; want clean with the damage recorded", name, res.Status(), res.Problem(), res.Damage)
		}
	}
}

func TestFindings(t *testing.T) {
	data := zipOf(t, f("a.txt", marker), f("in.zip", string(zipOf(t, f("b.txt", marker)))), f("c.txt", "clean"))
	res := scanBytes(t, New(&fakeDetector{}, DefaultOptions()), "mail.zip", data)
	want := []Finding{{"mail.zip!a.txt", testSig}, {"mail.zip!in.zip!b.txt", testSig}}
	if got := res.Findings(); !reflect.DeepEqual(got, want) {
		t.Errorf("Findings = %v, want %v", got, want)
	}
	if res.Problem() != nil || res.AnyEncrypted() {
		t.Errorf("Problem %v AnyEncrypted %v on a clean walk", res.Problem(), res.AnyEncrypted())
	}
}

// nestZip wraps data in n levels of zip, innermost first named "l1.zip".
func nestZip(t testing.TB, data []byte, n int) []byte {
	name := "payload.txt"
	for i := 1; i <= n; i++ {
		data = zipOf(t, file{name, data})
		name = fmt.Sprintf("l%d.zip", i)
	}
	return data
}

func TestLimitsInScan(t *testing.T) {
	big := strings.Repeat("x", 5000)
	tests := []struct {
		name      string
		edit      func(*Options)
		data      []byte
		wantLimit string // somewhere in the tree
		infected  bool
	}{
		{"recursion ok", func(o *Options) {}, nestZip(t, []byte(marker), 17), "", true},
		{"recursion exceeded", func(o *Options) {}, nestZip(t, []byte(marker), 18), "MaxRecursion", false},
		{"recursion alerted", func(o *Options) { o.AlertExceedsMax = true }, nestZip(t, []byte(marker), 18), "MaxRecursion", true},
		{"file size: head still scanned", func(o *Options) { o.Limits.MaxFileSize = 1000 },
			zipOf(t, f("big.bin", marker+big)), "MaxFileSize", true},
		{"file size: tail not scanned", func(o *Options) { o.Limits.MaxFileSize = 1000 },
			zipOf(t, f("big.bin", big+marker)), "MaxFileSize", false},
		{"file size alerted", func(o *Options) { o.Limits.MaxFileSize = 1000; o.AlertExceedsMax = true },
			zipOf(t, f("big.bin", big)), "MaxFileSize", true},
		{"files across nesting", func(o *Options) { o.Limits.MaxFiles = 4 },
			zipOf(t, f("a", "1"), f("in.zip", string(zipOf(t, f("b", "2"), f("c", "3"), f("d", "4")))), f("e", marker)),
			"MaxFiles", false},
		{"files just enough", func(o *Options) { o.Limits.MaxFiles = 5 },
			zipOf(t, f("a", "1"), f("in.zip", string(zipOf(t, f("b", "2"), f("c", "3")))), f("e", marker)),
			"", true},
		{"scan size across nesting", func(o *Options) { o.Limits.MaxScanSize = 12000 },
			zipOf(t, f("a", big), f("in.zip", string(zipOf(t, f("b", big)))), f("c", big+marker)),
			"MaxScanSize", false},
		{"top file over size", func(o *Options) { o.Limits.MaxFileSize = 10 }, []byte(marker + big), "MaxFileSize", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := DefaultOptions()
			tt.edit(&opts)
			res := scanBytes(t, New(&fakeDetector{}, opts), "top", tt.data)
			var limits []string
			for n := range res.All() {
				if n.Limit != "" {
					limits = append(limits, n.Limit)
					if !errors.Is(n.Err, unpack.ErrLimit) {
						t.Errorf("%s: Limit %s but Err %v", n.Path, n.Limit, n.Err)
					}
				}
			}
			if tt.wantLimit == "" && len(limits) > 0 || tt.wantLimit != "" && !strings.Contains(strings.Join(limits, ","), tt.wantLimit) {
				t.Errorf("limits %v, want %q\n%s", limits, tt.wantLimit, outline(res))
			}
			if (tt.wantLimit != "") != (res.Problem() != nil) {
				t.Errorf("Problem() = %v", res.Problem())
			}
			if res.Infected() != tt.infected {
				t.Errorf("Infected = %v, want %v\n%s", res.Infected(), tt.infected, outline(res))
			}
		})
	}
}

func TestExpandHook(t *testing.T) {
	opts := DefaultOptions()
	opts.Expand = func(ctx context.Context, name string, r io.ReaderAt, size int64, _ unpack.Limits) ([]Part, bool) {
		if !strings.HasSuffix(name, ".eml") {
			return nil, false
		}
		b, _ := io.ReadAll(io.NewSectionReader(r, 0, size))
		var parts []Part
		for i, p := range strings.Split(string(b), "--PART--") {
			parts = append(parts, Part{Name: fmt.Sprintf("part%d", i), Content: strings.NewReader(p), Size: int64(len(p))})
		}
		return parts, true
	}
	inner := zipOf(t, f("x.exe", marker))
	msg := "headers--PART--body text--PART--" + string(inner)
	res := scanBytes(t, New(&fakeDetector{}, opts), "m.eml", []byte(msg))
	// The marker is deflated inside the zip, so only the member matches.
	want := "m.eml\nm.eml!part0\nm.eml!part1\nm.eml!part2 [zip]\nm.eml!part2!x.exe Test.Sig\n"
	if got := outline(res); got != want {
		t.Errorf("tree:\n%s\nwant:\n%s", got, want)
	}
	if res.MemberCount != 3 {
		t.Errorf("MemberCount %d", res.MemberCount)
	}
}

func TestDetectorErrors(t *testing.T) {
	e := New(&fakeDetector{}, DefaultOptions())
	_, err := e.Scan(context.Background(), "top", strings.NewReader(failing), int64(len(failing)))
	if !errors.Is(err, errDetector) {
		t.Errorf("top-level detector failure: err %v", err)
	}
	data := zipOf(t, f("bad", failing), f("good", marker))
	res := scanBytes(t, e, "z.zip", data)
	if !errors.Is(res.Problem(), errDetector) || !res.Infected() || len(res.Members) != 2 {
		t.Errorf("member failure: problem %v\n%s", res.Problem(), outline(res))
	}
}

func TestScanCanceled(t *testing.T) {
	data := zipOf(t, f("a", "1"), f("b", "2"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := New(&fakeDetector{}, DefaultOptions()).Scan(ctx, "z", bytes.NewReader(data), int64(len(data)))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
}

func TestScanFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "in.zip")
	os.WriteFile(p, zipOf(t, f("v.exe", marker)), 0o644)
	e := New(&fakeDetector{}, DefaultOptions())
	res, err := e.ScanFile(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Findings(); len(got) != 1 || got[0].Path != p+"!v.exe" {
		t.Errorf("Findings %v", got)
	}
	if _, err := e.ScanFile(context.Background(), dir); !errors.Is(err, ErrNotRegular) {
		t.Errorf("directory: err %v", err)
	}
	if _, err := e.ScanFile(context.Background(), filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing: err %v", err)
	}
}

// TestSmallLayersIgnored: ClamAV ignores any file or member of 5 bytes or
// fewer (cli_magic_scan), so neither a body signature that fits in one
// nor the hash of one (the empty file's) is ever found there; at 6 bytes
// both are.
func TestSmallLayersIgnored(t *testing.T) {
	m := linesMatcher(t, []sigLine{
		{sigfile.KindNDB, "Five.Body:0:*:6162636465"},                         // "abcde"
		{sigfile.KindHDB, "d41d8cd98f00b204e9800998ecf8427e:*:Empty.Hash:73"}, // "", by any size
		{sigfile.KindHDB, "ab56b4d92b40713acc5af89985d4b786:5:Five.Hash"},     // "abcde"
		{sigfile.KindHDB, "e80b5017098950fc58aad83c8c14978e:6:Six.Hash"},      // "abcdef"
	})
	e := New(m, DefaultOptions())
	tests := []struct {
		name, want string
		data       []byte
	}{
		{"five", "five\n", []byte("abcde")},
		// Text: the body signature matches raw and normalised.
		{"six", "six Five.Body Six.Hash Five.Body\n", []byte("abcdef")},
		{"z.zip", "z.zip [zip]\nz.zip!empty\nz.zip!five\nz.zip!six Five.Body Six.Hash Five.Body\n",
			zipOf(t, f("empty", ""), f("five", "abcde"), f("six", "abcdef"))},
	}
	for _, tt := range tests {
		if got := outline(scanBytes(t, e, tt.name, tt.data)); got != tt.want {
			t.Errorf("%s:\n%s\nwant:\n%s", tt.name, got, tt.want)
		}
	}
}
