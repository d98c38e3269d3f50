// Package realfiles names the real files the real-data benchmark scans
// (difftest's BenchmarkRealData) and that the verdict difftests compare
// with clamscan: one selection, so that both look at the same files under
// the same names.
//
// The classes: PE (the x86-64 DLLs of Debian's libwine), ELF (files of
// /usr/bin and /usr/lib), documents (the PDF manuals and office files of
// Debian documentation packages), mail attachments (decoded from
// ../shared/corpus/mail) and random data. None of them is a file that
// trained matcher/gramfreq.bin (see scripts/gramfreq.sh), and none is a
// file the generated benchmark signatures are cut from (TrainingDirs).
//
// `make realfiles` fetches libwine and the documentation packages where
// they are missing (apt-get download and dpkg -x, into WineDir and DocDir).
package realfiles

import (
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/sigtool/sigtool/mailmime"
)

// Where `make realfiles` unpacks the Debian packages.
const (
	WineDir = "/tmp/wine/x"
	DocDir  = "/tmp/sigtool-docs/x"
)

// ClassBytes is about how much each class holds: enough that clamscan's
// scan stands well above its load-time noise, small enough for a run of
// minutes.
const ClassBytes = 32 << 20

// maxFile leaves out files larger than ClamAV's default MaxFileSize
// (100 MB) and MaxScanSize cuts, which would compare limits, not speed.
const maxFile = 20 << 20

// A Set is one class of files.
type Set struct {
	Name  string
	Files []string // absolute paths, sorted
	Bytes int64
	// Missing says why the set is empty (a package not unpacked, no
	// corpus), for the benchmark to print.
	Missing string
}

// Sets returns the classes in a fixed order. Mail attachments and random
// data are written under work (created if needed); corpus is the mail
// corpus directory (../shared/corpus/mail from the repository root).
func Sets(work, corpus string) ([]Set, error) {
	var out []Set
	pe := pick("PE (libwine DLLs)", []string{filepath.Join(WineDir, "usr/lib/x86_64-linux-gnu/wine/x86_64-windows")}, false,
		func(p string) bool { return strings.HasSuffix(p, ".dll") && hasMagic(p, "MZ") })
	if len(pe.Files) == 0 {
		pe.Missing = "libwine is not unpacked at " + WineDir + " (make realfiles)"
	}
	out = append(out, pe)
	out = append(out, pick("ELF (/usr/bin, /usr/lib)", []string{"/usr/bin", "/usr/lib"}, true,
		func(p string) bool { return hasMagic(p, "\x7fELF") }))
	out = append(out, Documents())
	mail, err := attachments(filepath.Join(work, "mail"), corpus)
	if err != nil {
		return nil, err
	}
	out = append(out, mail)
	rnd, err := random(filepath.Join(work, "random"))
	if err != nil {
		return nil, err
	}
	return append(out, rnd), nil
}

// Documents is the documents class of Sets alone.
func Documents() Set {
	docs := pick("documents (PDF, ODF, OOXML)", []string{DocDir}, true, isDocument)
	if len(docs.Files) == 0 {
		docs.Missing = "the documentation packages are not unpacked at " + DocDir + " (make realfiles)"
	}
	return docs
}

// TrainingDirs are where the generated benchmark signatures' literals are
// cut from (and gramfreq.bin learnt from): libwine's PE files that are
// not DLLs and the ELF files of /usr/sbin and /usr/libexec, never a file
// of Sets.
func TrainingDirs() (pe []string, elf []string) {
	dir := filepath.Join(WineDir, "usr/lib/x86_64-linux-gnu/wine/x86_64-windows")
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if p := filepath.Join(dir, e.Name()); e.Type().IsRegular() && !strings.HasSuffix(p, ".dll") && hasMagic(p, "MZ") {
			pe = append(pe, p)
		}
	}
	for _, root := range []string{"/usr/sbin", "/usr/libexec"} {
		filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() && hasMagic(p, "\x7fELF") {
				elf = append(elf, p)
			}
			return nil
		})
	}
	slices.Sort(elf)
	return pe, elf
}

// docExt: PDF, OpenDocument and Office Open XML files.
var docExt = regexp.MustCompile(`\.(pdf|od[tsgp]|ot[tsgp]|docx|xlsx|pptx|doc|xls|ppt|rtf|gnumeric)$`)

func isDocument(p string) bool { return docExt.MatchString(p) }

// pick walks roots (recursively or not) for regular files that ok
// accepts, at most maxFile each, and takes files in a seeded random order
// until the set holds about ClassBytes.
func pick(name string, roots []string, recurse bool, ok func(string) bool) Set {
	var all []string
	sizes := map[string]int64{}
	for _, root := range roots {
		filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if d.IsDir() {
				if p != root && !recurse {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.Type().IsRegular() {
				return nil // symlinks: the file is picked under its own name
			}
			fi, err := d.Info()
			if err != nil || fi.Size() == 0 || fi.Size() > maxFile || !ok(p) {
				return nil
			}
			all = append(all, p)
			sizes[p] = fi.Size()
			return nil
		})
	}
	slices.Sort(all)
	// A seeded shuffle: files from all of the list, not its first
	// directory only, and the same files on the same machine.
	rand.New(rand.NewPCG(uint64(len(all)), 23)).Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	s := Set{Name: name}
	for _, p := range all {
		if s.Bytes >= ClassBytes {
			break
		}
		s.Files = append(s.Files, p)
		s.Bytes += sizes[p]
	}
	slices.Sort(s.Files)
	return s
}

func hasMagic(p, magic string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	b := make([]byte, len(magic))
	n, _ := f.Read(b)
	return n == len(b) && string(b) == magic
}

// attachments writes the decoded attachments of every message of the
// mail corpus into dir, once each (by content), named by the message and
// the attachment's position.
func attachments(dir, corpus string) (Set, error) {
	s := Set{Name: "mail attachments"}
	var msgs []string
	filepath.WalkDir(corpus, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && !strings.HasSuffix(p, ".tsv") && !strings.HasSuffix(p, ".md") {
			msgs = append(msgs, p)
		}
		return nil
	})
	if len(msgs) == 0 {
		s.Missing = "no mail corpus at " + corpus
		return s, nil
	}
	slices.Sort(msgs)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return s, err
	}
	seen := map[[32]byte]bool{}
	for _, m := range msgs {
		raw, err := os.ReadFile(m)
		if err != nil {
			return s, err
		}
		var texts [][]byte
		if strings.HasPrefix(string(raw[:min(len(raw), 5)]), "From ") {
			for _, b := range mailmime.SplitMbox(raw) {
				texts = append(texts, raw[b.MsgStart:b.MsgEnd])
			}
		} else {
			texts = [][]byte{raw}
		}
		rel, _ := filepath.Rel(corpus, m)
		n := 0
		for _, t := range texts {
			root, _ := mailmime.Parse(t) // a broken message still has parts
			mailmime.Contents(root, func(c mailmime.Content) error {
				if c.Embedded == nil && !c.Part.IsAttachment() || len(c.Data) == 0 {
					return nil
				}
				h := sha256.Sum256(c.Data)
				if seen[h] {
					return nil
				}
				seen[h] = true
				n++
				p := filepath.Join(dir, fmt.Sprintf("%s-%d", strings.ReplaceAll(rel, "/", "_"), n))
				if err := os.WriteFile(p, c.Data, 0o644); err != nil {
					return err
				}
				s.Files = append(s.Files, p)
				s.Bytes += int64(len(c.Data))
				return nil
			})
		}
	}
	slices.Sort(s.Files)
	return s, nil
}

// random writes ClassBytes of seeded random bytes as 32 files of 1 MiB.
func random(dir string) (Set, error) {
	s := Set{Name: "random data"}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return s, err
	}
	r := rand.New(rand.NewPCG(2026, 12))
	buf := make([]byte, 1<<20)
	for i := range ClassBytes / len(buf) {
		for j := 0; j < len(buf); j += 8 {
			v := r.Uint64()
			for k := range 8 {
				buf[j+k] = byte(v >> (8 * k))
			}
		}
		p := filepath.Join(dir, fmt.Sprintf("random-%02d.bin", i))
		if err := os.WriteFile(p, buf, 0o644); err != nil {
			return s, err
		}
		s.Files = append(s.Files, p)
		s.Bytes += int64(len(buf))
	}
	return s, nil
}

// Evenly returns up to n regular files under root that ok accepts, each
// of 1 byte to 20 MiB, spread evenly over the walk's (lexical) order: a
// fixed sample of a large tree, the same in every run on one machine.
func Evenly(root string, ok func(string) bool, n int) []string {
	var all []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && ok(p) {
			if fi, err := d.Info(); err == nil && fi.Size() > 0 && fi.Size() <= 20<<20 {
				all = append(all, p)
			}
		}
		return nil
	})
	if len(all) <= n {
		return all
	}
	out := make([]string, 0, n)
	for i := range n {
		out = append(out, all[i*len(all)/n])
	}
	return out
}
