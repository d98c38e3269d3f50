package difftest

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/sigtool/sigtool/scan"
)

// testFilesDir is where Debian's clamav-testfiles puts ClamAV's harmless
// test samples: clam.exe, and clam.exe packed, archived, encoded and
// embedded in many formats.
const testFilesDir = "/usr/share/clamav-testfiles"

// notUnpacked lists the samples in which ClamAV finds clam.exe and we do
// not, with the reason: formats our scan engine does not open. The test
// asserts that exactly these differ, so a new unpacker shows up here.
var notUnpacked = map[string]string{}

// TestClamAVTestFiles scans every sample with clamscan and with our scan
// engine (archives descended), loaded with clam.exe's MD5 in an .hdb and
// its SHA-256 in an .hsb, and compares file by file.
func TestClamAVTestFiles(t *testing.T) {
	clamscanPath(t)
	ents, err := os.ReadDir(testFilesDir)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s: %v (install the Debian package clamav-testfiles)", testFilesDir, err)
		}
		t.Skipf("%s: %v", testFilesDir, err)
	}
	exe, err := os.ReadFile(filepath.Join(testFilesDir, "clam.exe"))
	if err != nil {
		t.Fatal(err)
	}
	size := strconv.Itoa(len(exe))
	const md5Name, shaName = "Dt.ClamExe.MD5", "Dt.ClamExe.SHA256"
	db := database{
		"clamexe.hdb": {md5hex(exe) + ":" + size + ":" + md5Name},
		"clamexe.hsb": {sha256hex(exe) + ":" + size + ":" + shaName},
	}
	dbDir := db.write(t, t.TempDir())

	var files []string
	for _, e := range ents {
		if e.Type().IsRegular() {
			files = append(files, filepath.Join(testFilesDir, e.Name()))
		}
	}
	m, err := loadDir(context.Background(), dbDir)
	if err != nil {
		t.Fatal(err)
	}
	opts := scan.DefaultOptions()
	opts.Expand = scan.ExpandMail // as sigtool scan opens mail
	eng := scan.New(m, opts)
	clam := runClamscan(t, dbDir, files)
	both := []string{md5Name, shaName}

	var differ []string
	for _, f := range files {
		base := filepath.Base(f)
		res, err := eng.ScanFile(context.Background(), f)
		if err != nil {
			t.Errorf("%s: %v", base, err)
			continue
		}
		ours := treeNames(res)
		// Every sample holds clam.exe; a sample where ClamAV does not find
		// it would make the comparison below meaningless for it.
		if !slices.Equal(clam[f], both) {
			t.Errorf("%s: clamscan found %v, want %v", base, clam[f], both)
		}
		if slices.Equal(ours, clam[f]) {
			if why, listed := notUnpacked[base]; listed {
				t.Errorf("%s: listed as not unpacked (%s) but we find %v: remove it from the list", base, why, ours)
			}
			continue
		}
		differ = append(differ, base)
		if _, listed := notUnpacked[base]; !listed {
			t.Errorf("%s: ours %v, clamscan %v (problem: %v)", base, ours, clam[f], res.Problem())
		} else if len(ours) != 0 {
			t.Errorf("%s: listed as not unpacked, but we find %v", base, ours)
		}
	}
	for name := range notUnpacked {
		if !slices.Contains(differ, name) && !slices.ContainsFunc(files, func(f string) bool { return filepath.Base(f) == name }) {
			t.Errorf("%s is listed as not unpacked but is not in %s", name, testFilesDir)
		}
	}
	t.Logf("%d samples: %d equal, %d differ as listed", len(files), len(files)-len(differ), len(differ))
}

// treeNames is the set of signatures found anywhere in a scan result tree,
// what clamscan reports for a file with --allmatch.
func treeNames(r *scan.Result) []string {
	var out []string
	for _, f := range r.Findings() {
		out = append(out, f.Signature)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
