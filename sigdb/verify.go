package sigdb

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"

	"github.com/minio/sha256-simd"
	bolt "go.etcd.io/bbolt"

	"github.com/sigtool/sigtool/sigfile"
)

// Problem is one inconsistency Verify found.
type Problem struct {
	Feed string // empty for store-wide problems
	File string
	Err  error
}

func (p Problem) String() string {
	switch {
	case p.Feed == "":
		return p.Err.Error()
	case p.File == "":
		return fmt.Sprintf("feed %s: %v", p.Feed, p.Err)
	}
	return fmt.Sprintf("feed %s, file %s: %v", p.Feed, p.File, p.Err)
}

// VerifySummary counts what Verify checked.
type VerifySummary struct {
	Feeds      int
	Files      int
	Signatures int
	Problems   int
}

// Verify checks the whole store: bbolt's page structure, every record's
// checksum, every file's size, line count and SHA-256, that every signature
// line still parses to the counts recorded at import, and each feed's
// digest. Each problem is passed to report as found; the error is ErrCorrupt
// when there was any. A panic inside bbolt on a damaged page is a problem
// too, never a crash.
func (db *DB) Verify(ctx context.Context, report func(Problem)) (VerifySummary, error) {
	var sum VerifySummary
	add := func(p Problem) {
		sum.Problems++
		if report != nil {
			report(p)
		}
	}
	err := db.view(func(tx *bolt.Tx) error {
		// bbolt checks pages on a goroutine of its own, where a read
		// outside the map is fatal; touching every page here first, where
		// it is a recoverable panic, leaves it nothing that can fault.
		if err := touchPages(tx); err != nil {
			add(Problem{Err: err})
			return nil
		}
		for err := range tx.Check() {
			add(Problem{Err: fmt.Errorf("bbolt: %w", err)})
		}
		if sum.Problems > 0 {
			// Walking damaged pages further can only repeat what Check said.
			return nil
		}
		feeds := tx.Bucket(bucketFeeds)
		if feeds == nil {
			add(Problem{Err: errors.New("feeds bucket missing")})
			return nil
		}
		var names []string
		_ = feeds.ForEachBucket(func(k []byte) error { names = append(names, string(k)); return nil })
		sort.Strings(names)
		for _, name := range names {
			if err := ctx.Err(); err != nil {
				return err
			}
			sum.Feeds++
			verifyFeed(tx, name, &sum, add)
		}
		verifyState(tx, add)
		return nil
	})
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		add(Problem{Err: err})
		err = nil
	}
	if err == nil && sum.Problems > 0 {
		err = fmt.Errorf("%d problems: %w", sum.Problems, ErrCorrupt)
	}
	return sum, err
}

func verifyFeed(tx *bolt.Tx, name string, sum *VerifySummary, add func(Problem)) {
	fi, err := readFeedInfo(tx, name)
	if err != nil {
		add(Problem{Feed: name, Err: err})
		return
	}
	data := tx.Bucket(bucketFeeds).Bucket([]byte(name)).Bucket(bucketData)
	if data == nil {
		add(Problem{Feed: name, Err: errors.New("data bucket missing")})
		return
	}
	digest := sha256.New()
	byType := map[string]int{}
	total := 0
	for i, rec := range fi.Files {
		sum.Files++
		got := verifyFile(data, i, rec, func(err error) { add(Problem{Feed: name, File: rec.Name, Err: err}) })
		fmt.Fprintf(digest, "%s\x00%d\x00%s\n", rec.Name, rec.Size, rec.SHA256)
		if rec.Kind != "" {
			byType[typeKey(rec.Name)] += got
			total += got
		}
	}
	sum.Signatures += total
	// Keys past the recorded chunks mean the info and the data disagree.
	if n := data.Stats().KeyN; n != countChunks(fi) {
		add(Problem{Feed: name, Err: fmt.Errorf("data holds %d chunks, info records %d", n, countChunks(fi))})
	}
	if d := hex.EncodeToString(digest.Sum(nil)); d != fi.Digest {
		add(Problem{Feed: name, Err: fmt.Errorf("content digest %s, recorded %s", d, fi.Digest)})
	}
	if total != fi.Signatures {
		add(Problem{Feed: name, Err: fmt.Errorf("%d signatures parse, %d recorded", total, fi.Signatures)})
	}
	for k, v := range fi.ByType {
		if byType[k] != v {
			add(Problem{Feed: name, Err: fmt.Errorf("%s: %d signatures parse, %d recorded", k, byType[k], v)})
		}
	}
}

func countChunks(fi *FeedInfo) int {
	n := 0
	for _, f := range fi.Files {
		n += f.Chunks
	}
	return n
}

// verifyFile checks one file and returns how many signatures parse in it.
// Chunks end at line ends (splitChunks), so lines never straddle two.
func verifyFile(data *bolt.Bucket, i int, rec FileRecord, fail func(error)) int {
	h := sha256.New()
	var size int64
	lines, sigs, invalid := 0, 0, 0
	kind := sigfile.Kind(rec.Kind)
	var p sigfile.Parser // entries are only counted
	err := readChunks(data, i, rec, func(chunk []byte) error {
		h.Write(chunk)
		size += int64(len(chunk))
		for len(chunk) > 0 {
			var line []byte
			if j := bytes.IndexByte(chunk, '\n'); j >= 0 {
				line, chunk = chunk[:j], chunk[j+1:]
			} else {
				line, chunk = chunk, nil
			}
			lines++
			if rec.Kind == "" {
				continue
			}
			p.Reset()
			switch _, err := p.ParseLine(kind, string(bytes.TrimSuffix(line, []byte{'\r'}))); {
			case err == nil:
				sigs++
			case errors.Is(err, sigfile.ErrNoSignature):
			default:
				invalid++
			}
		}
		return nil
	})
	if err != nil {
		fail(err)
		return sigs
	}
	if size != rec.Size {
		fail(fmt.Errorf("size %d, recorded %d", size, rec.Size))
	}
	if s := hex.EncodeToString(h.Sum(nil)); s != rec.SHA256 {
		fail(fmt.Errorf("SHA-256 %s, recorded %s", s, rec.SHA256))
	}
	if lines != rec.Lines {
		fail(fmt.Errorf("%d lines, recorded %d", lines, rec.Lines))
	}
	if rec.Kind != "" {
		if sigs != rec.Signatures {
			fail(fmt.Errorf("%d signatures parse, recorded %d", sigs, rec.Signatures))
		}
		if invalid != rec.Invalid {
			fail(fmt.Errorf("%d lines do not parse, recorded %d skipped at import", invalid, rec.Invalid))
		}
	}
	return sigs
}

func verifyState(tx *bolt.Tx, add func(Problem)) {
	st := tx.Bucket(bucketState)
	if st == nil {
		add(Problem{Err: errors.New("state bucket missing")})
		return
	}
	_ = st.ForEachBucket(func(name []byte) error {
		return st.Bucket(name).ForEach(func(k, v []byte) error {
			if _, err := openRecord(v); err != nil {
				add(Problem{Err: fmt.Errorf("state %s/%s: %w", name, k, err)})
			}
			return nil
		})
	})
}

// touchPages reads every key and value of every bucket, so every reachable
// branch, leaf and overflow page is read once on the caller's goroutine.
func touchPages(tx *bolt.Tx) error {
	var sum byte
	var walk func(b *bolt.Bucket) error
	walk = func(b *bolt.Bucket) error {
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			for _, x := range k {
				sum ^= x
			}
			if v == nil {
				sub := b.Bucket(k)
				if sub == nil {
					return fmt.Errorf("bbolt: key %q: neither value nor bucket", k)
				}
				if err := walk(sub); err != nil {
					return err
				}
				continue
			}
			for _, x := range v {
				sum ^= x
			}
		}
		return nil
	}
	err := tx.ForEach(func(name []byte, b *bolt.Bucket) error { return walk(b) })
	_ = sum
	return err
}
