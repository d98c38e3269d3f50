package difftest

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sigtool/sigtool/filetype"
)

// clamTypes runs clamscan over files with metadata collection and returns
// the type it gave each file before any parser ran (RootFileType).
func clamTypes(t *testing.T, dir string, files []string) map[string]string {
	t.Helper()
	tmp := filepath.Join(dir, "clamtmp")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "none.ndb")
	if err := os.WriteFile(db, []byte("Nothing.Here:0:*:00112233445566778899aabbccddeeff\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"--no-summary", "--gen-json", "--leave-temps", "--tempdir=" + tmp, "-d", db, "--"}, files...)
	out, err := exec.Command(clamscanPath(t), args...).CombinedOutput()
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
		t.Fatalf("clamscan: %v\n%s", err, out)
	}
	types := map[string]string{}
	err = filepath.WalkDir(tmp, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "metadata.json" {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var md struct{ FileName, RootFileType string }
		if err := json.Unmarshal(b, &md); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		types[md.FileName] = md.RootFileType
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return types
}

// typingSamples are files of our own making for the corners of ClamAV's
// typing: text classes, magic bytes, damaged executables, type signatures
// inside the head.
func typingSamples(r *rand.Rand) map[string][]byte {
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	wide := func(s string, bom bool) []byte {
		var b []byte
		if bom {
			b = append(b, 0xff, 0xfe)
		}
		for _, c := range s {
			b = binary.LittleEndian.AppendUint16(b, uint16(c))
		}
		return b
	}
	s := map[string][]byte{
		"ascii.txt":       []byte("Plain text, a line\r\nand another\twith a tab\n"),
		"latin1.txt":      []byte("caf\xe9 cr\xe8me br\xfbl\xe9e, na\xefve\n"),
		"utf8.txt":        []byte("na\xc3\xafve caf\xc3\xa9 \xe2\x82\xac\n"),
		"control.bin":     []byte("text with a vertical\x0btab and\x00 a nul\n"),
		"mail.eml":        []byte("Received: from mx\nFrom: a@example.org\nSubject: x\n\nbody\n"),
		"mail-late.txt":   []byte("X-Thing: 1\nfrom: a@example.org\nmime-version: 1.0\ncontent-type: text/plain\n\nbody\n"),
		"html.html":       []byte("<!DOCTYPE html>\n<html><head><title>t</title></head><body>x</body></html>\n"),
		"script.txt":      []byte("var x = 1;\n<script>alert(x)</script>\n"),
		"scripting.txt":   []byte("a <scripting> tag is not a script tag\n"),
		"ahref.txt":       []byte("link: <a class=\"c\" href=\"http://x\">x</a>\n"),
		"html-utf16.html": wide("<html><body>wide</body></html>", false),
		"html-bom.html":   wide("<html><body>wide</body></html>", true),
		"wide-bom.txt":    wide("just wide text, no tags", true),
		"pdf.pdf":         []byte("%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"),
		"pdf-late.bin":    []byte("\x00\x00\x00\x01garbage then %PDF-1.4\n"),
		"rtf.rtf":         []byte("{\\rtf1\\ansi hello}\n"),
		"png.png":         append([]byte("\x89PNG\r\n\x1a\n"), random(64)...),
		"gif.gif":         append([]byte("GIF89a"), random(64)...),
		"jpeg.jpg":        append([]byte{0xff, 0xd8, 0xff, 0xe0}, random(64)...),
		"bmp.bmp":         append([]byte("BM"), random(64)...),
		"swf.swf":         append([]byte("FWS\x09"), random(64)...),
		"java.class":      append([]byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0x34}, random(64)...),
		"fat.macho":       append([]byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2}, random(64)...),
		"thin.macho":      append([]byte{0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1}, random(64)...),
		"mz-only.exe":     append([]byte("MZ"), random(300)...),
		"elf-only.elf":    append([]byte("\x7fELF"), random(300)...),
		"ole2.doc":        append([]byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}, random(600)...),
		"mp3.mp3":         append([]byte("ID3\x03\x00"), random(100)...),
		"ini.ini":         []byte("[aliases]\nn0=/x\n"),
		"random-1k.bin":   random(1024),
		"random-3k.bin":   random(3000),
		"zeros.bin":       make([]byte, 2048),
	}
	pe := append(append([]byte("\x00\x00\x00\x01data MZ"), bytes.Repeat([]byte{'x'}, 100)...), []byte("PE\x00\x00 more")...)
	s["pe-inside.bin"] = pe
	return s
}

// TestFileTypes compares our typing (filetype.Of) with clamscan's on files
// of our own and on real files: ClamAV's test samples, PE DLLs, system ELF
// binaries and the mail corpus.
func TestFileTypes(t *testing.T) {
	clamscanPath(t)
	dir := workDir(t)
	files := filepath.Join(dir, "files")
	if err := os.MkdirAll(files, 0o755); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for name, data := range typingSamples(rand.New(rand.NewPCG(7, 7))) {
		p := filepath.Join(files, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	// clamscan's metadata names a file by its base name: copies make
	// those unique.
	for i, src := range realFiles(t, 12) {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(files, fmt.Sprintf("real%03d-%s", i, filepath.Base(src)))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	clam := clamTypes(t, dir, paths)
	checked := 0
	for _, p := range paths {
		want, ok := clam[filepath.Base(p)]
		if !ok {
			continue // too small for clamscan to type (5 bytes or fewer) or unreadable
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := f.Stat()
		got, err := filetype.Of(f, st.Size())
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		checked++
		// The OLE2 parser relabels the file in the metadata it writes
		// (CL_TYPE_MSWORD and the like are labels, not types).
		if strings.HasPrefix(want, "CL_TYPE_MS") && want != "CL_TYPE_MSEXE" && got == filetype.MSOLE2 {
			switch want {
			case "CL_TYPE_MSWORD", "CL_TYPE_MSPPT", "CL_TYPE_MSXLS":
				continue
			}
		}
		if got.String() != want {
			t.Errorf("%s: we type %v, clamscan %s", p, got, want)
		}
	}
	if checked < len(paths)*9/10 {
		t.Fatalf("clamscan typed only %d of %d files", checked, len(paths))
	}
	t.Logf("%d files typed alike", checked)
}

// realFiles returns every ClamAV test sample and up to n each of the PE
// DLLs, system ELF binaries and mail messages present on this machine.
func realFiles(t *testing.T, n int) []string {
	var out []string
	if ents, err := os.ReadDir(testFilesDir); err == nil {
		for _, e := range ents {
			if e.Type().IsRegular() {
				out = append(out, filepath.Join(testFilesDir, e.Name()))
			}
		}
	}
	for _, pat := range []string{
		"/tmp/wine/x/usr/lib/x86_64-linux-gnu/wine/x86_64-windows/*.dll",
		"/usr/bin/*", "../../shared/corpus/mail/*/*", "../../shared/corpus/mail/*/*/*",
	} {
		m, _ := filepath.Glob(pat)
		slices.Sort(m)
		k := 0
		for _, p := range m {
			if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() || st.Size() > 32<<20 || strings.HasSuffix(p, ".tsv") {
				continue
			}
			abs, _ := filepath.Abs(p)
			out = append(out, abs)
			if k++; k == n {
				break
			}
		}
	}
	return out
}
