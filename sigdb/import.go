package sigdb

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"sort"
	"time"

	"github.com/minio/sha256-simd"
	bolt "go.etcd.io/bbolt"

	"github.com/sigtool/sigtool/sigfile"
)

// ChunkSize is the largest stored piece of a file (a single longer line is
// stored whole).
const ChunkSize = 64 << 10

// File is one named file of a feed, as bytes.
type File struct {
	Name string
	Data []byte
}

// FeedImport is one feed to replace: its metadata and every file it holds.
type FeedImport struct {
	Meta  FeedMeta
	Files []File
}

// ImportOptions tune Import.
type ImportOptions struct {
	// SkipInvalid imports the good lines and reports the bad ones, instead
	// of refusing the whole import.
	SkipInvalid bool
	// AllowDowngrade replaces a feed with an older version.
	AllowDowngrade bool
	// Progress, when set, is called with the number of input bytes parsed
	// since the last call (from several goroutines).
	Progress func(n int64)
	// Now stamps the import time (tests inject it).
	Now func() time.Time
}

// FeedReport says what an import did to one feed.
type FeedReport struct {
	Name            string         `json:"name"`
	Version         int            `json:"version"`
	PreviousVersion int            `json:"previous_version,omitempty"`
	Replaced        bool           `json:"replaced"`
	Unchanged       bool           `json:"unchanged"`
	Signatures      int            `json:"signatures"`
	ByType          map[string]int `json:"by_type"`
	NotEvaluated    []string       `json:"not_evaluated,omitempty"`
	Skipped         map[string]int `json:"skipped,omitempty"`
	SkippedLines    []*LineError   `json:"-"`
	Duplicates      []Duplicate    `json:"duplicates,omitempty"`
}

// ImportReport is the result of one Import call.
type ImportReport struct {
	Feeds []FeedReport `json:"feeds"`
}

// Import replaces each given feed with the given files in ONE transaction.
// Every signature line is parsed first; a bad line fails the whole import
// with a *LineError (all of them joined) and leaves the store unchanged,
// unless opt.SkipInvalid. Importing identical content again changes nothing.
func (db *DB) Import(ctx context.Context, feeds []FeedImport, opt ImportOptions) (*ImportReport, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	prepared := make([]*preparedFeed, 0, len(feeds))
	var bad []error
	for _, f := range feeds {
		p, errs, err := prepareFeed(ctx, f, opt)
		if err != nil {
			return nil, err
		}
		bad = append(bad, errs...)
		prepared = append(prepared, p)
	}
	if len(bad) > 0 {
		return nil, joinLineErrors(bad)
	}

	report := &ImportReport{}
	changed := false
	err := db.update(func(tx *bolt.Tx) error {
		feedsB := tx.Bucket(bucketFeeds)
		for _, p := range prepared {
			r := p.report
			if old, err := readFeedInfo(tx, p.info.Name); err == nil {
				r.PreviousVersion = old.Version
				if p.info.Version > 0 && p.info.Version < old.Version && !opt.AllowDowngrade {
					return fmt.Errorf("feed %q: store holds version %d, input is %d: %w (use --force to downgrade)",
						p.info.Name, old.Version, p.info.Version, ErrRollback)
				}
				if sameContent(old, &p.info) && storedIntact(tx, old) {
					r.Unchanged = true
					report.Feeds = append(report.Feeds, r)
					continue
				}
				if err := feedsB.DeleteBucket([]byte(p.info.Name)); err != nil {
					return err
				}
				r.Replaced = true
			}
			if err := writeFeed(feedsB, p); err != nil {
				return fmt.Errorf("feed %q: %w", p.info.Name, err)
			}
			changed = true
			report.Feeds = append(report.Feeds, r)
		}
		if !changed {
			// Roll back: committing would rewrite a meta page for nothing.
			return errNothingChanged
		}
		return nil
	})
	if err != nil && err != errNothingChanged {
		return nil, err
	}
	return report, nil
}

var errNothingChanged = errors.New("sigdb: nothing changed")

// ReplaceFeed is Import of a single feed.
func (db *DB) ReplaceFeed(ctx context.Context, meta FeedMeta, files []File, opt ImportOptions) (*ImportReport, error) {
	return db.Import(ctx, []FeedImport{{Meta: meta, Files: files}}, opt)
}

type preparedFeed struct {
	info   FeedInfo
	chunks [][][]byte // of each file, cut once (cutting sums every line)
	report FeedReport
}

// prepareFeed parses and summarises one feed outside any transaction, so the
// write lock is held only for writing.
func prepareFeed(ctx context.Context, f FeedImport, opt ImportOptions) (*preparedFeed, []error, error) {
	if f.Meta.Name == "" {
		return nil, nil, fmt.Errorf("sigdb: feed without a name")
	}
	p := &preparedFeed{}
	p.info.FeedMeta = f.Meta
	p.info.Imported = opt.Now().UTC()
	p.info.ByType = map[string]int{}
	p.report = FeedReport{Name: f.Meta.Name, Version: f.Meta.Version, ByType: p.info.ByType}
	seen := map[string]bool{}
	var bad []error
	digest := sha256.New()
	for _, file := range f.Files {
		if seen[file.Name] {
			return nil, nil, fmt.Errorf("sigdb: feed %q has two files named %q", f.Meta.Name, file.Name)
		}
		seen[file.Name] = true
		sum := sha256.Sum256(file.Data)
		chunks := splitChunks(file.Data)
		p.chunks = append(p.chunks, chunks)
		rec := FileRecord{Name: file.Name, Size: int64(len(file.Data)), SHA256: hex.EncodeToString(sum[:]),
			Lines: bytes.Count(file.Data, []byte{'\n'}), Chunks: len(chunks)}
		if len(file.Data) > 0 && file.Data[len(file.Data)-1] != '\n' {
			rec.Lines++
		}
		if kind, pua, ok := sigfile.KindOf(file.Name); ok {
			fa, err := analyzeFile(ctx, file.Name, file.Data, kind, pua, opt.Progress)
			if err != nil {
				return nil, nil, err
			}
			rec.Kind, rec.PUA, rec.Signatures, rec.Invalid = string(kind), pua, fa.signatures, len(fa.bad)
			if len(fa.bad) > 0 && !opt.SkipInvalid {
				for _, le := range fa.bad {
					bad = append(bad, le)
				}
			}
			for _, le := range fa.bad {
				if p.report.Skipped == nil {
					p.report.Skipped = map[string]int{}
				}
				p.report.Skipped[skipReason(le.Err)]++
				p.report.SkippedLines = append(p.report.SkippedLines, le)
			}
			p.report.Duplicates = append(p.report.Duplicates, fa.duplicates...)
			p.info.Signatures += fa.signatures
			p.info.ByType[typeKey(file.Name)] += fa.signatures
		} else {
			p.info.NotEvaluated = append(p.info.NotEvaluated, file.Name)
			if opt.Progress != nil {
				opt.Progress(int64(len(file.Data)))
			}
		}
		p.info.Files = append(p.info.Files, rec)
		fmt.Fprintf(digest, "%s\x00%d\x00%s\n", rec.Name, rec.Size, rec.SHA256)
	}
	p.info.Digest = hex.EncodeToString(digest.Sum(nil))
	p.report.Signatures = p.info.Signatures
	p.report.NotEvaluated = p.info.NotEvaluated
	return p, bad, nil
}

// sameContent reports whether a stored feed already holds exactly this
// import, so re-importing it can leave the store byte-identical.
func sameContent(old, new *FeedInfo) bool {
	a, b := old.FeedMeta, new.FeedMeta
	return old.Digest == new.Digest && a.Version == b.Version && a.Format == b.Format &&
		a.BuildTime.Equal(b.BuildTime) && a.HeaderSigs == b.HeaderSigs && a.Builder == b.Builder && a.FLevel == b.FLevel
}

// storedIntact checks a feed's chunks against their checksums and each
// file's SHA-256, so that re-importing over damaged data repairs it instead
// of being skipped as unchanged.
func storedIntact(tx *bolt.Tx, fi *FeedInfo) bool {
	data := tx.Bucket(bucketFeeds).Bucket([]byte(fi.Name)).Bucket(bucketData)
	if data == nil {
		return false
	}
	for i, rec := range fi.Files {
		h := sha256.New()
		if readChunks(data, i, rec, func(c []byte) error { h.Write(c); return nil }) != nil {
			return false
		}
		if hex.EncodeToString(h.Sum(nil)) != rec.SHA256 {
			return false
		}
	}
	return true
}

func writeFeed(feedsB *bolt.Bucket, p *preparedFeed) error {
	fb, err := feedsB.CreateBucket([]byte(p.info.Name))
	if err != nil {
		return err
	}
	data, err := fb.CreateBucket(bucketData)
	if err != nil {
		return err
	}
	data.FillPercent = 1.0 // keys are appended in order: pack pages full
	for i, chunks := range p.chunks {
		for c, chunk := range chunks {
			if err := data.Put(chunkKey(i, c), sealRecord(chunk)); err != nil {
				return err
			}
		}
	}
	info, err := json.Marshal(&p.info)
	if err != nil {
		return err
	}
	return fb.Put(keyInfo, sealRecord(info))
}

// Chunks are cut where the content says, not at fixed offsets: after a
// line whose CRC-32C has its low cutBits bits zero, once the chunk holds
// minChunk bytes; failing that, at the last line end before ChunkSize. An
// update that inserts or deletes lines (a cdiff) then changes only the
// chunks around them, and readers that cache work per chunk (the engine's
// matcher segments) redo only that.
const (
	minChunk = ChunkSize / 4
	cutMask  = 1<<8 - 1 // a cut every ~256 lines: ~34 KB chunks on average
)

// splitChunks cuts data at line ends into pieces of at most ChunkSize (a
// longer single line is one piece).
func splitChunks(data []byte) [][]byte {
	var out [][]byte
	for len(data) > 0 {
		n := cutPoint(data)
		out = append(out, data[:n])
		data = data[n:]
	}
	return out
}

// cutPoint returns the length of the chunk at the start of data.
func cutPoint(data []byte) int {
	limit := min(len(data), ChunkSize)
	pos := 0 // end of the last whole line before limit
	for pos < limit {
		i := bytes.IndexByte(data[pos:limit], '\n')
		if i < 0 {
			break
		}
		end := pos + i + 1
		if end >= minChunk && crc32.Checksum(data[pos:end], castagnoli)&cutMask == 0 {
			return end
		}
		pos = end
	}
	switch {
	case len(data) <= ChunkSize:
		return len(data)
	case pos > 0:
		return pos
	}
	if j := bytes.IndexByte(data[ChunkSize:], '\n'); j >= 0 {
		return ChunkSize + j + 1
	}
	return len(data)
}

// maxReportedLines bounds the error message of a failed import; the count
// of the rest is still given.
const maxReportedLines = 20

func joinLineErrors(errs []error) error {
	sort.SliceStable(errs, func(i, j int) bool {
		a, b := errs[i].(*LineError), errs[j].(*LineError)
		if a.File != b.File {
			return false
		}
		return a.Line < b.Line
	})
	if len(errs) <= maxReportedLines {
		return &ImportError{Lines: errs}
	}
	return &ImportError{Lines: errs[:maxReportedLines], More: len(errs) - maxReportedLines}
}

// ImportError is a refused import: the bad lines found (all of them, up to
// a bound) and how many more there were.
type ImportError struct {
	Lines []error
	More  int
}

func (e *ImportError) Error() string {
	var b bytes.Buffer
	for i, l := range e.Lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l.Error())
	}
	if e.More > 0 {
		fmt.Fprintf(&b, "\n... and %d more bad lines", e.More)
	}
	b.WriteString("\nnothing was imported; fix the lines or use --skip-invalid")
	return b.String()
}

// Unwrap exposes the line errors to errors.Is / errors.As.
func (e *ImportError) Unwrap() []error { return e.Lines }
