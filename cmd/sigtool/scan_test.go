package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const runData = "../../testdata/run"

func sampleStore(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "s.db")
	sigs, _ := filepath.Glob(filepath.Join(runData, "signatures", "*"))
	args := append([]string{"--db", db, "import", "--feed", "sample"}, sigs...)
	if code, _, errOut := run(t, args...); code != 0 {
		t.Fatalf("import samples: exit %d: %s", code, errOut)
	}
	return db
}

func TestScanVerdicts(t *testing.T) {
	db := sampleStore(t)
	files := filepath.Join(runData, "files")
	cases := []struct {
		name     string
		args     []string
		code     int
		contains []string
		absent   []string
	}{
		{"clean file", []string{filepath.Join(files, "clean.txt")}, 0,
			[]string{"clean.txt: OK"}, []string{"FOUND"}},
		{"body signature", []string{filepath.Join(files, "sample-body.bin")}, 1,
			[]string{"sample-body.bin: Sigtool.Sample.Body-1 FOUND"}, []string{"Wild-1"}},
		{"allmatch lists every signature", []string{"--allmatch", filepath.Join(files, "sample-body.bin")}, 1,
			[]string{"Body-1 FOUND", "Wild-1 FOUND", "Logical-1 FOUND"}, nil},
		{"hash signature", []string{filepath.Join(files, "sample-hash.bin")}, 1,
			[]string{"sample-hash.bin: Sigtool.Sample.Hash-1 FOUND"}, nil},
		{"member of an archive is named", []string{filepath.Join(files, "archive.zip")}, 1,
			[]string{"archive.zip!tools/sample-body.bin: Sigtool.Sample.Body-1 FOUND"}, nil},
		{"TNEF file names what it carries", []string{filepath.Join(files, "winmail.dat")}, 1,
			[]string{"winmail.dat!sample-hash.bin: Sigtool.Sample.Hash-1 FOUND"}, nil},
		{"attachment inside mail", []string{filepath.Join(runData, "mail", "infected-archive.eml")}, 1,
			[]string{"infected-archive.eml!docs.zip!tools/sample-body.bin: Sigtool.Sample.Body-1 FOUND"}, nil},
		{"missing file is an error", []string{filepath.Join(files, "nope")}, 2,
			[]string{"nope:", "ERROR"}, nil},
		{"file over max-filesize is reported, not clean", []string{"--max-filesize", "10", filepath.Join(files, "clean.txt")}, 2,
			[]string{"clean.txt:", "ERROR"}, []string{"OK"}},
		{"limit as a detection", []string{"--max-filesize", "10", "--alert-exceeds-max", filepath.Join(files, "clean.txt")}, 1,
			[]string{"Heuristics.Limits.Exceeded"}, nil},
		{"directory walk", []string{files}, 1,
			[]string{"clean.txt: OK", "sample-hash.bin: Sigtool.Sample.Hash-1 FOUND"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, _ := run(t, append([]string{"--db", db, "scan"}, c.args...)...)
			if code != c.code {
				t.Errorf("exit %d, want %d\n%s", code, c.code, out)
			}
			for _, s := range c.contains {
				if !strings.Contains(out, s) {
					t.Errorf("output lacks %q:\n%s", s, out)
				}
			}
			for _, s := range c.absent {
				if strings.Contains(out, s) {
					t.Errorf("output has %q:\n%s", s, out)
				}
			}
		})
	}
}

func TestScanJSON(t *testing.T) {
	db := sampleStore(t)
	code, out, _ := run(t, "--db", db, "scan", "--json", filepath.Join(runData, "files"))
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d JSON lines, want one per file (5):\n%s", len(lines), out)
	}
	status := map[string]string{}
	for _, l := range lines {
		var v struct {
			Path       string   `json:"path"`
			Status     string   `json:"status"`
			Signatures []string `json:"signatures"`
		}
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("not JSON: %q: %v", l, err)
		}
		if v.Signatures == nil {
			t.Errorf("%s: signatures is null, want a list", v.Path)
		}
		status[filepath.Base(v.Path)] = v.Status
	}
	want := map[string]string{"clean.txt": "clean", "sample-body.bin": "infected", "sample-hash.bin": "infected", "archive.zip": "infected"}
	for k, v := range want {
		if status[k] != v {
			t.Errorf("%s: status %q, want %q", k, status[k], v)
		}
	}
}

// TestScanJSONDamaged: a zip cut before its central directory scans as
// clamscan judges it (its readable members scanned, no error), and the
// JSON verdict names the damaged archive so that a caller can refuse it.
func TestScanJSONDamaged(t *testing.T) {
	db := sampleStore(t)
	body, err := os.ReadFile(filepath.Join(runData, "files", "sample-body.bin"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, c := range []struct {
		name   string
		member []byte
		status string
	}{
		{"cut-clean.zip", bytes.Repeat([]byte("plain clean text\n"), 400), "clean"},
		{"cut-infected.zip", body, "infected"},
	} {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, err := zw.CreateHeader(&zip.FileHeader{Name: "member.bin", Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(c.member)
		w, _ = zw.CreateHeader(&zip.FileHeader{Name: "second.txt", Method: zip.Deflate})
		w.Write(bytes.Repeat([]byte("second member\n"), 300))
		zw.Close()
		// Cut inside the second member: the first is whole, the
		// central directory gone.
		cut := buf.Bytes()[:len(c.member)+len("member.bin")+30+60]
		path := filepath.Join(dir, c.name)
		if err := os.WriteFile(path, cut, 0o644); err != nil {
			t.Fatal(err)
		}
		code, out, stderr := run(t, "--db", db, "scan", "--json", path)
		var v struct {
			Status  string `json:"status"`
			Error   string `json:"error"`
			Damaged []struct {
				Path  string `json:"path"`
				Error string `json:"error"`
			} `json:"damaged"`
		}
		if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &v); err != nil {
			t.Fatalf("%s: not one JSON line: %q (%v)\n%s", c.name, out, err, stderr)
		}
		wantCode := map[string]int{"clean": 0, "infected": 1}[c.status]
		if v.Status != c.status || code != wantCode || v.Error != "" {
			t.Errorf("%s: status %q error %q exit %d, want %q exit %d", c.name, v.Status, v.Error, code, c.status, wantCode)
		}
		if len(v.Damaged) == 0 || !strings.HasPrefix(v.Damaged[0].Path, path) || v.Damaged[0].Error == "" {
			t.Errorf("%s: damaged = %+v, want the cut archive named with its error", c.name, v.Damaged)
		}
	}
}
