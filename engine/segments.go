package engine

import (
	"encoding/binary"
	"fmt"
	"hash"

	"github.com/minio/sha256-simd"

	"github.com/sigtool/sigtool/matcher"
	"github.com/sigtool/sigtool/sigdb"
	"github.com/sigtool/sigtool/sigfile"
)

// A snapshot's matcher is combined from segments (matcher.Segment), one
// per group of consecutive stored chunks of one file. A group is keyed by
// a digest of what its segment depends on: the feed and file, the kind,
// the SHA-256 of each chunk, the ignore lists and the PUA setting. Reload
// hands the serving snapshot to the compile, which reuses the segment of
// every group whose key it finds there and builds only the rest, then
// combines them (the filter over all patterns is rebuilt each time).
//
// The store cuts chunks by content (sigdb), and groups end after a chunk
// whose digest says so, so an update that adds or deletes a few lines
// changes a few groups. The memory of a reload is then what changed plus
// the filter, not a second copy of the database (BenchmarkReload).

// groupChunks is how many chunks a group has on average, by cost: a body
// signature costs far more to build and keep than a hash line, so body
// groups are smaller (~0.5 MB of text, ~6k signatures) than hash groups
// (~8 MB, ~120k hashes); a scan looks hashes up in every hash segment, so
// those are few. A group ends after at most four times as many.
func groupChunks(k sigfile.Kind) int {
	switch k {
	case sigfile.KindHDB, sigfile.KindHSB, sigfile.KindMDB, sigfile.KindMSB, sigfile.KindFP, sigfile.KindSFP:
		return 256
	}
	return 16
}

// part is a compiled group, kept by its Snapshot for the next compile.
type part struct {
	seg      *matcher.Segment
	lines    int
	unloaded map[string]int
	problems []problem
}

// problem is an unloaded line of a part; line counts from the part's
// first line, which moves when lines before it are added or deleted.
type problem struct {
	feed, file string
	line       int
	err        string
}

// group is one group of the compile in progress, in store order.
type group struct {
	first int  // line number of the first line
	keyed bool // false for the one group of a Source without chunks
	key   [32]byte
	part  *part
}

// addPart adds a part's counts to the snapshot, its problems at the
// group's current line numbers.
func (s *Snapshot) addPart(g *group) {
	p := g.part
	s.Lines += p.lines
	for r, n := range p.unloaded {
		s.Unloaded[r] += n
	}
	for _, pr := range p.problems {
		if len(s.Problems) >= maxProblems {
			break
		}
		s.Problems = append(s.Problems, fmt.Sprintf("%s %s:%d: %s", pr.feed, pr.file, g.first+pr.line, pr.err))
	}
}

// grouper cuts the chunks of a chunk Source into groups as they are read.
type grouper struct {
	salt   []byte
	h      hash.Hash
	chunks []sigdb.Chunk // of the open group; Data valid while the read lasts
}

// add adds a chunk and reports whether it ends its group: at the end of
// its file, or after a chunk whose digest ends in enough zero bits.
func (gr *grouper) add(ch sigdb.Chunk) (end bool) {
	if len(gr.chunks) == 0 {
		gr.h = sha256.New()
		gr.h.Write(gr.salt)
		fmt.Fprintf(gr.h, "%s\x00%s\x00%s\x00%v\x00", ch.Feed, ch.File, ch.Kind, ch.PUA)
	}
	sum := sha256.Sum256(ch.Data)
	gr.h.Write(sum[:])
	gr.chunks = append(gr.chunks, ch)
	every := groupChunks(ch.Kind)
	return ch.Last || int(binary.BigEndian.Uint16(sum[:]))%every == 0 || len(gr.chunks) >= 4*every
}

// close returns the open group's key and chunks and starts a new group.
func (gr *grouper) close() (key [32]byte, first int, chunks []sigdb.Chunk) {
	gr.h.Sum(key[:0])
	chunks, gr.chunks = gr.chunks, nil
	return key, chunks[0].FirstLine, chunks
}

// compileSalt is what every segment depends on besides its own lines: the
// PUA setting and the ignore lists (every segment is built with all of
// them).
func compileSalt(pua bool, ignores []item) []byte {
	h := sha256.New()
	fmt.Fprintf(h, "sigtool-segment-1\x00pua=%v\x00", pua)
	for _, it := range ignores {
		h.Write([]byte(it.text + "\n")) // a line holds no line end
	}
	return h.Sum(nil)
}
