package engine

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sigtool/sigtool/sigdb"
)

// linesOnly hides the store's ForEachChunk, so Compile reads it line by
// line as it reads any other Source.
type linesOnly struct{ db *sigdb.DB }

func (l linesOnly) Feeds() ([]sigdb.FeedInfo, error) { return l.db.Feeds() }
func (l linesOnly) ForEachLine(ctx context.Context, fn func(sigdb.Line) error) error {
	return l.db.ForEachLine(ctx, fn)
}

// chunkStore is a store whose compile exercises what reading chunks must
// get right: files of many chunks with problems in later ones (line
// numbers), CRLF ends (an .ign2 MD5 is of the line without its CR),
// comments and blank lines, invalid, skipped and PUA lines.
func chunkStore(t *testing.T) (*sigdb.DB, []byte) {
	t.Helper()
	db := openStore(t)
	var ndb, hdb strings.Builder
	var payload []byte
	for i := 0; ndb.Len() < 6*sigdb.ChunkSize; i++ {
		text := fmt.Sprintf("CHUNK-TEST-BODY-%06d", i)
		if i%250 == 0 {
			payload = append(payload, text+" "...)
		}
		ndb.WriteString(strings.TrimSuffix(ndbLine(fmt.Sprintf("Sigtool.Test.Body-%d", i), text), "\n") + "\r\n")
		if i%500 == 499 {
			ndb.WriteString("# a comment\r\n\r\nSigtool.Test.Bad:0:*:zz\r\n")
		}
	}
	ndb.WriteString("Sigtool.Test.Future:0:*:4655545552452d4d41524b4552:250") // no line end
	for i := range 5000 {
		sum := md5.Sum(fmt.Appendf(nil, "hash %d", i))
		fmt.Fprintf(&hdb, "%x:%d:Sigtool.Test.Hash-%d\n", sum, 10+i, i)
	}
	ignored := strings.TrimSuffix(ndbLine("Sigtool.Test.Body-500", "CHUNK-TEST-BODY-000500"), "\n")
	sum := md5.Sum([]byte(ignored))
	put(t, db, "aaa", 1, sigdb.ImportOptions{SkipInvalid: true},
		"aaa.ndb", ndb.String(), "aaa.hdb", hdb.String(),
		"aaa.ndu", ndbLine("PUA.Test.Tool", "PUA-MARKER-TEXT"))
	put(t, db, "zzz", 1, sigdb.ImportOptions{}, "zzz.ign2", "Sigtool.Test.Body-500:"+hex.EncodeToString(sum[:])+"\r\nSigtool.Test.Body-1000\n")
	return db, append(payload, "PUA-MARKER-TEXT"...)
}

// TestCompileChunksMatchLines: compiling from chunks gives what compiling
// line by line gives, counts and problems included.
func TestCompileChunksMatchLines(t *testing.T) {
	ctx := context.Background()
	db, payload := chunkStore(t)
	for _, opt := range []Options{{}, {PUA: true}} {
		byChunk, err := CompileWith(ctx, db, opt)
		if err != nil {
			t.Fatal(err)
		}
		byLine, err := CompileWith(ctx, linesOnly{db}, opt)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []*Snapshot{byChunk, byLine} {
			s.Built, s.Took = s.Built.UTC(), 0
		}
		if a, b := fmt.Sprint(byChunk.Lines, byChunk.Unloaded, byChunk.Problems, byChunk.Stats()),
			fmt.Sprint(byLine.Lines, byLine.Unloaded, byLine.Problems, byLine.Stats()); a != b {
			t.Errorf("PUA %v: from chunks\n%s\nline by line\n%s", opt.PUA, a, b)
		}
		got, want := detect(t, byChunk, payload), detect(t, byLine, payload)
		if !equalNames(got, want) {
			t.Errorf("PUA %v: from chunks found %v, line by line %v", opt.PUA, got, want)
		}
		for _, name := range got {
			if name == "Sigtool.Test.Body-500" || name == "Sigtool.Test.Body-1000" {
				t.Errorf("PUA %v: found %s, which zzz.ign2 ignores", opt.PUA, name)
			}
		}
		if len(got) < 5 {
			t.Errorf("PUA %v: found only %v", opt.PUA, got)
		}
		if byChunk.Unloaded[UnloadInvalid] < 3 || !strings.Contains(fmt.Sprint(byChunk.Problems), "aaa aaa.ndb:") {
			t.Errorf("PUA %v: unloaded %v, problems %v: want the invalid lines of later chunks", opt.PUA, byChunk.Unloaded, byChunk.Problems)
		}
	}
}

// failingChunks fails, or cancels the compile, after some chunks.
type failingChunks struct {
	*sigdb.DB
	after  int
	err    error
	cancel context.CancelFunc
}

func (f *failingChunks) ForEachChunk(ctx context.Context, fn func(sigdb.Chunk) error) error {
	n := 0
	return f.DB.ForEachChunk(ctx, func(c sigdb.Chunk) error {
		if n++; n > f.after {
			if f.cancel != nil {
				f.cancel()
			} else {
				return f.err
			}
		}
		return fn(c)
	})
}

func TestCompileChunkErrors(t *testing.T) {
	db, _ := chunkStore(t)
	broken := errors.New("disk on fire")
	_, err := Compile(context.Background(), &failingChunks{DB: db, after: 3, err: broken})
	if !errors.Is(err, broken) || !errors.Is(err, ErrStore) {
		t.Errorf("store failing midway: %v, want ErrStore wrapping it", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err = Compile(ctx, &failingChunks{DB: db, after: 2, cancel: cancel})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("canceled midway: %v, want context.Canceled", err)
	}
}

// noLast hands out the store's chunks without their Last marks, as a
// faulty chunk Source could.
type noLast struct{ *sigdb.DB }

func (n noLast) ForEachChunk(ctx context.Context, fn func(sigdb.Chunk) error) error {
	return n.DB.ForEachChunk(ctx, func(c sigdb.Chunk) error {
		c.Last = false
		return fn(c)
	})
}

// TestCompileUnfinishedFile: a chunk Source that ends inside a file (its
// last group never closes) fails the compile instead of losing the lines.
func TestCompileUnfinishedFile(t *testing.T) {
	db, _ := chunkStore(t)
	if _, err := Compile(context.Background(), noLast{db}); err == nil || !errors.Is(err, ErrStore) {
		t.Errorf("chunks without a last one: %v, want an ErrStore error", err)
	}
}
