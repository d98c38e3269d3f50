package difftest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sigtool/sigtool/internal/realfiles"
)

// TestRealVerdicts (issue 23): with ClamAV's published databases, whole,
// our verdict on every file of the real-data benchmark (internal/realfiles:
// PE, ELF, documents, mail attachments, random data; the same files under
// the same names) is clamscan's: the same set of signature names, or both
// clean. Beside them, real body and logical signatures of the database
// planted in real PE and ELF files whose headers are then damaged as
// malware damages them: both must find each one.
//
// make test samples each class (about 1 MiB of it); SIGTOOL_BENCH_FULL=1
// (make bench) compares every file of every class.
func TestRealVerdicts(t *testing.T) {
	clamscanPath(t)
	dbDir := realDatabase(t)
	work := workDir(t)
	sets, err := realfiles.Sets(filepath.Join(work, "sets"), "../../shared/corpus/mail")
	if err != nil {
		t.Fatal(err)
	}
	full := os.Getenv("SIGTOOL_BENCH_FULL") == "1"
	var files []string
	for _, s := range sets {
		if s.Missing != "" {
			if os.Getenv("CI") != "" {
				t.Errorf("class %s: %s", s.Name, s.Missing)
			}
			t.Logf("class %s left out: %s", s.Name, s.Missing)
			continue
		}
		picked := s.Files
		if !full {
			picked = sampleFiles(s.Files, 1<<20)
		}
		t.Logf("%s: %d of %d files", s.Name, len(picked), len(s.Files))
		files = append(files, picked...)
	}
	planted := plantDamaged(t, sets, filepath.Join(work, "planted"))
	for _, p := range planted {
		files = append(files, p.path)
	}

	start := time.Now()
	m, err := loadDir(context.Background(), dbDir)
	if err != nil {
		t.Fatalf("our build of the real databases: %v", err)
	}
	built := time.Now()
	ours := ourVerdicts(t, m, files)
	scanned := time.Now()
	clam := runClamscan(t, dbDir, files)
	t.Logf("ours: build %v, scan %v; clamscan (load and scan) %v", built.Sub(start).Round(time.Millisecond),
		scanned.Sub(built).Round(time.Millisecond), time.Since(scanned).Round(time.Millisecond))
	found := 0
	for _, f := range files {
		if len(clam[f]) > 0 {
			found++
		}
		if !slices.Equal(ours[f], clam[f]) {
			t.Errorf("%s: ours %v, clamscan %v", f, ours[f], clam[f])
		}
	}
	for _, p := range planted {
		if !slices.Contains(clam[p.path], p.sig) || !slices.Contains(ours[p.path], p.sig) {
			t.Errorf("%s: planted %s, found by ours %v, by clamscan %v", p.path, p.sig, ours[p.path], clam[p.path])
		}
	}
	t.Logf("%d files compared (%d planted), %d found by clamscan", len(files), len(planted), found)
}

// realDatabase is a directory holding every database of realDB
// uncompressed, as clamscan -d and loadDir read them.
func realDatabase(t testing.TB) string {
	t.Helper()
	gz, _ := filepath.Glob(filepath.Join(realDB, "*.gz"))
	if len(gz) == 0 {
		if os.Getenv("CI") != "" {
			t.Fatalf("ClamAV's published databases are missing at %s (CI runs with ../shared beside the repo)", realDB)
		}
		t.Skipf("no real databases at %s", realDB)
	}
	dir := t.TempDir()
	for _, g := range gz {
		if err := gunzipFile(g, filepath.Join(dir, strings.TrimSuffix(filepath.Base(g), ".gz"))); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func gunzipFile(src, dst string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("%s: %w", src, err)
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, zr); err != nil {
		out.Close()
		return fmt.Errorf("%s: %w", src, err)
	}
	return out.Close()
}

// sampleFiles takes files spread over the whole sorted list (every
// directory, small and large): every 16th, then the ones after those, and
// so on, until about budget bytes.
func sampleFiles(files []string, budget int64) []string {
	var out []string
	var total int64
	stride := max(1, len(files)/16)
	for off := 0; off < stride && total < budget; off++ {
		for i := off; i < len(files) && total < budget; i += stride {
			fi, err := os.Stat(files[i])
			if err != nil || fi.Size() > budget {
				continue
			}
			out = append(out, files[i])
			total += fi.Size()
		}
	}
	return out
}

// A plantedFile holds a real signature in a real executable with damaged
// headers.
type plantedFile struct {
	path, sig string
}

// Real signatures whose subsignatures are plain bytes, planted whole: body
// signatures of daily.ndb and logical ones of main.ldb, for PE (target 1)
// and ELF (target 6). Win.Backdoor.Agent-9950302-0 and
// Unix.Backdoor.Agent-9950303-0 share their bytes: each file type must
// get only its own.
var (
	plantPE  = []string{"daily.ndb:Win.Backdoor.Agent-9950302-0", "daily.ndb:Win.Trojan.NetwireLoader-9890136-0", "main.ldb:Win.Worm.Allaple-221778"}
	plantELF = []string{"daily.ndb:Unix.Backdoor.Agent-9950303-0", "daily.ndb:Unix.Ransomware.Deadbolt-9956253-0", "main.ldb:Unix.Exploit.CVE_2016_5195-2"}
)

// plantDamaged writes, for the first PE and the first ELF file of sets,
// each planted signature into the file's body, intact and with its headers
// damaged in the ways TestDamagedExecutables lists (ClamAV types by magic,
// so each is still PE or ELF for target matching).
func plantDamaged(t *testing.T, sets []realfiles.Set, dir string) []plantedFile {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var pe, elf string
	for _, s := range sets {
		for _, f := range s.Files {
			if fi, err := os.Stat(f); err != nil || fi.Size() < 64<<10 || fi.Size() > 4<<20 {
				continue
			}
			switch head := fileHead(t, f); {
			case pe == "" && bytes.HasPrefix(head, []byte("MZ")):
				pe = f
			case elf == "" && bytes.HasPrefix(head, []byte("\x7fELF\x02\x01")):
				elf = f
			}
		}
	}
	le := binary.LittleEndian
	var out []plantedFile
	// plant writes each of refs into base, then each damaged variant.
	plant := func(base string, refs []string, damage func(body []byte) map[string]func([]byte)) {
		for _, ref := range refs {
			sig, body := plantWith(t, base, ref)
			variants := damage(body)
			for _, v := range slices.Sorted(maps.Keys(variants)) {
				d := bytes.Clone(body)
				variants[v](d)
				p := filepath.Join(dir, fmt.Sprintf("%s-%s-%s", filepath.Base(base), v, sig))
				if err := os.WriteFile(p, d, 0o644); err != nil {
					t.Fatal(err)
				}
				out = append(out, plantedFile{p, sig})
			}
		}
	}
	if pe == "" {
		t.Log("no PE file of 64 KiB to 4 MiB in the sets: nothing planted in PE")
	} else {
		plant(pe, plantPE, func(body []byte) map[string]func([]byte) {
			lfanew := int(le.Uint32(body[0x3c:]))
			return map[string]func([]byte){
				"intact":           func([]byte) {},
				"no-pe-signature":  func(d []byte) { copy(d[lfanew:], "XX") },
				"lfanew-zero":      func(d []byte) { le.PutUint32(d[0x3c:], 0) },
				"sections-cut-off": func(d []byte) { le.PutUint16(d[lfanew+6:], 0xffff) },
			}
		})
	}
	if elf == "" {
		t.Log("no 64-bit little-endian ELF file of 64 KiB to 4 MiB in the sets: nothing planted in ELF")
	} else {
		plant(elf, plantELF, func(body []byte) map[string]func([]byte) {
			shoff := int(le.Uint64(body[0x28:]))
			return map[string]func([]byte){
				"intact": func([]byte) {},
				"sht-overwritten": func(d []byte) {
					for i := shoff; i < len(d); i++ {
						d[i] = byte(i * 131)
					}
				},
				"sht-beyond-end": func(d []byte) { le.PutUint64(d[0x28:], uint64(len(d)+4096)) },
				"bad-entry-size": func(d []byte) { le.PutUint16(d[0x3a:], 63) },
			}
		})
	}
	if os.Getenv("CI") != "" && (pe == "" || elf == "") {
		t.Error("no real PE or ELF file to plant signatures in")
	}
	return out
}

// plantWith reads file and writes the subsignatures of the real signature
// ref ("db:name") into it, spread over its second quarter, away from
// headers and section tables.
func plantWith(t *testing.T, file, ref string) (string, []byte) {
	t.Helper()
	db, name, _ := strings.Cut(ref, ":")
	line := realLines(t, db, name)[0]
	var parts []string
	if strings.HasSuffix(db, ".ndb") {
		parts = strings.Split(line, ":")[3:4]
	} else {
		parts = strings.Split(line, ";")[3:]
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range parts {
		b, err := hex.DecodeString(h)
		if err != nil {
			t.Fatalf("%s: subsignature %d is not plain bytes: %v", ref, i, err)
		}
		copy(data[len(data)/4+i*len(data)/(4*len(parts)):], b)
	}
	return name, data
}

func fileHead(t *testing.T, path string) []byte {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 6)
	n, _ := io.ReadFull(f, b)
	return b[:n]
}
