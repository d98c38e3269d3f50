package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// ClamAV's test files (Debian clamav-testfiles): clam.exe, a harmless
// 544-byte program, wrapped in one format per file. ClamAV 1.4.6 finds it
// in all of them with this one hash signature.
const (
	testFilesDir  = "/usr/share/clamav-testfiles"
	clamExeHSB    = "71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495:544:ClamAV-Test-File"
	clamExeSigHSB = "ClamAV-Test-File"
)

// testFileMembers says where inside each test file `sigtool scan
// --allmatch --json` must report clam.exe: the path after the file's own
// name ("" for the file itself).
var testFileMembers = map[string]string{
	"clam.exe":             "",
	"clam.zip":             "!clam.exe",
	"clam.bz2.zip":         "!clam.exe",
	"clam.7z":              "!clam.exe",
	"clam.exe.bz2":         "!clam.exe",
	"clam.tar.gz":          "!clam.tar!clam.exe",
	"clam.exe.mbox.base64": "!clam.exe",
	"clam.exe.mbox.uu":     "!clam.exe",
	"clam.mail":            "!clam.exe",
	"clam_cache_emax.tgz":  "!clam_cache_emax.tar!clam02.tgz!clam02.tar!clam03.tgz!clam03.tar!clam04.tgz!clam04.tar!clam05.tgz!clam05.tar!clam06.tgz!clam06.tar!clam07.tgz!clam07.tar!clam08.tgz!clam08.tar!clam.exe",
	"clam.ole.doc":         "!ObjectPool/_1279313719/Ole10Native/clam.exe",
	"clam.ppt":             "!PowerPoint Document/ExOleObjStg-1!Ole10Native/clam.exe",
	"clam.exe.binhex":      "!clam.exe",
	"clam.tnef":            "!clam.exe",
	"clam.pdf":             "!obj-15-0/clam.exe",
	"clam.exe.rtf":         "!objdata-1/clam.exe",
	"clam.cab":             "!clam.exe",
	"clam.bin-be.cpio":     "!clam.exe",
	"clam.bin-le.cpio":     "!clam.exe",
	"clam.newc.cpio":       "!clam.exe",
	"clam.odc.cpio":        "!clam.exe",
	"clam.exe.html":        "!data-1",
	"clam.d64.zip":         "!clam.exe",
	"clam.impl.zip":        "!CLAM.EXE",
	"clam.exe.szdd":        "!clam.exe",
	"clam.arj":             "!clam.exe",
	"clam.chm":             "!/clam.exe.txt",
	"clam-nsis.exe":        "!data-1",
	"clam_IScab_ext.exe":   "!Disk1\\clam.exe",
	"clam.sis":             "!!:\\clam.exe",
	"clam-upx.exe":         "!upx-image/pe-15840",
	"clam-yc.exe":          "!yc-decrypted!upx-image/pe-15840",
	"clam-wwpack.exe":      "!wwpack-image!clam.exe",
	"clam-aspack.exe":      "!aspack-image!pe-19936",
	"clam-fsg.exe":         "!pe-6112",
	"clam-mew.exe":         "!mew-image!clam.exe",
	"clam-upack.exe":       "!upack-image!clam.exe",
	"clam-petite.exe":      "!petite-image!clam.exe",
	"clam-pespin.exe":      "!pespin-image!pe-19936",
	"clam.ea05.exe":        "!C:\\clam.exe",
	"clam.ea06.exe":        "!C:\\clam.exe",
	"clam_IScab_int.exe":   "!Disk1\\data2.cab/clam.exe",
	"clam_ISmsi_ext.exe":   "!clam.exe409.bmp",
	"clam_ISmsi_int.exe":   "!clam.msi!䄍䄷䞁䄦䠥!clam.exe",
}

// testFilesNotYet are the test files in which we do not find clam.exe yet,
// with the format that is missing. The test asserts that exactly these are
// missed, so each new unpacker moves its file to testFileMembers.
var testFilesNotYet = map[string]string{}

// TestScanClamAVTestFiles runs `sigtool scan --allmatch --json` over
// every ClamAV test file with the ClamAV-Test-File hash and checks that
// clam.exe is found at the member path testFileMembers gives.
func TestScanClamAVTestFiles(t *testing.T) {
	ents, err := os.ReadDir(testFilesDir)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s: %v (the Makefile installs the Debian package clamav-testfiles)", testFilesDir, err)
		}
		t.Skipf("%s: %v (install the Debian package clamav-testfiles)", testFilesDir, err)
	}
	dir := t.TempDir()
	hsb := filepath.Join(dir, "clamexe.hsb")
	if err := os.WriteFile(hsb, []byte(clamExeHSB+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "s.db")
	if code, _, errOut := run(t, "--db", db, "import", hsb); code != 0 {
		t.Fatalf("import: exit %d: %s", code, errOut)
	}
	var files []string
	for _, e := range ents {
		if e.Type().IsRegular() {
			files = append(files, filepath.Join(testFilesDir, e.Name()))
		}
	}
	_, out, _ := run(t, append([]string{"--db", db, "scan", "--allmatch", "--json"}, files...)...)
	type verdict struct {
		Path     string `json:"path"`
		Status   string `json:"status"`
		Findings []struct {
			Path      string `json:"path"`
			Signature string `json:"signature"`
		} `json:"findings"`
		Error string `json:"error"`
	}
	verdicts := map[string]verdict{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var v verdict
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("not JSON: %q: %v", l, err)
		}
		verdicts[filepath.Base(v.Path)] = v
	}
	found := 0
	for _, f := range files {
		base := filepath.Base(f)
		v, ok := verdicts[base]
		if !ok {
			t.Errorf("%s: no verdict", base)
			continue
		}
		var paths []string
		for _, fd := range v.Findings {
			if fd.Signature == clamExeSigHSB {
				paths = append(paths, fd.Path)
			}
		}
		suffix, want := testFileMembers[base]
		why, notYet := testFilesNotYet[base]
		switch {
		case want && notYet:
			t.Errorf("%s is in both lists", base)
		case want:
			if !slices.Contains(paths, f+suffix) {
				t.Errorf("%s: clam.exe not reported at %q; findings %v (status %s, error %q)", base, f+suffix, paths, v.Status, v.Error)
			} else {
				found++
			}
		case notYet:
			if len(paths) > 0 {
				t.Errorf("%s: listed as not opened yet (%s) but clam.exe is found at %v: move it to testFileMembers", base, why, paths)
			}
		default:
			t.Errorf("%s: a test file in neither list (found at %v)", base, paths)
		}
	}
	// The count, asserted on its own so that a change in it is read in
	// one line: ClamAV 1.4.6 finds clam.exe in all 44.
	const wantFound = 44
	var misses []string
	for name, why := range testFilesNotYet {
		misses = append(misses, name+" ("+why+")")
	}
	slices.Sort(misses)
	if found != wantFound || len(files) != 44 {
		t.Errorf("clam.exe found in %d of %d test files, want %d of 44", found, len(files), wantFound)
	}
	t.Logf("clam.exe found in %d of %d test files; missed in %d: %s", found, len(files), len(misses), strings.Join(misses, ", "))
}
