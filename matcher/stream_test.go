package matcher

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/sigtool/sigtool/sigfile"
	"github.com/sigtool/sigtool/unpack"
)

// countingReader records how many bytes were read through ReadAt.
type countingReader struct {
	r  *bytes.Reader
	n  int64
	mu sync.Mutex
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	c.mu.Lock()
	c.n += int64(len(p))
	c.mu.Unlock()
	return c.r.ReadAt(p, off)
}

// TestLargeGaps puts the parts of a pattern megabytes apart, across many
// chunks, and checks unbounded and bounded gaps both ways.
func TestLargeGaps(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	data := make([]byte, 3<<20+123)
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	copy(data[10:], "HEAD-MARKER")
	copy(data[2<<20:], "MIDDLE-MARK")
	copy(data[len(data)-20:], "TAIL-MARKER")
	lines := []string{
		"Star:0:*:484541442d4d41524b4552*5441494c2d4d41524b4552",           // HEAD-MARKER*TAIL-MARKER
		"StarBack:0:*:5441494c2d4d41524b4552*484541442d4d41524b4552",       // wrong order
		"Three:0:*:484541442d4d41524b4552*4d4944444c45*5441494c2d4d41524b", // HEAD*MIDDLE*TAIL
		"AtLeast:0:*:4d4944444c452d4d41524b{1000000-}5441494c2d4d41524b4552",
		"TooFar:0:*:484541442d4d41524b4552{0-1000000}5441494c2d4d41524b4552",
		"OffsetStar:0:10:484541442d4d41524b4552*5441494c",
		"EOFTail:0:EOF-20:5441494c2d4d41524b4552",
	}
	want := []string{"AtLeast", "EOFTail", "OffsetStar", "Star", "Three"}
	for _, chunk := range []int{4096, 100000, defaultChunk} {
		m := ndb(t, chunk, lines...)
		cr := &countingReader{r: bytes.NewReader(data)}
		got, err := m.Detect(context.Background(), cr, int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		if !sameNames(got, want) {
			t.Errorf("chunk %d: got %v, want %v", chunk, got, want)
		}
		// Gaps are walked through the reader, but not once per candidate.
		if cr.n > 6*int64(len(data)) {
			t.Errorf("chunk %d: read %d bytes for a %d-byte file", chunk, cr.n, len(data))
		}
	}
}

// TestManyCandidatesOneGap: many occurrences of the first part and none of
// the second must not cost a pass over the file each.
func TestManyCandidatesOneGap(t *testing.T) {
	data := bytes.Repeat([]byte("HEAD-MARKER......"), 20000)
	m := ndb(t, 4096, "S:0:*:484541442d4d41524b4552*5441494c2d4d41524b4552")
	cr := &countingReader{r: bytes.NewReader(data)}
	got, err := m.Detect(context.Background(), cr, int64(len(data)))
	if err != nil || len(got) != 0 {
		t.Fatalf("got %v, %v", got, err)
	}
	if cr.n > 4*int64(len(data)) {
		t.Errorf("read %d bytes for a %d-byte file", cr.n, len(data))
	}
}

// countingBytes is content in memory whose ReadAt calls are counted.
type countingBytes struct {
	data unpack.Bytes
	n    int64
}

func (c *countingBytes) Bytes() []byte { return c.data }

func (c *countingBytes) ReadAt(p []byte, off int64) (int, error) {
	c.n += int64(len(p))
	return c.data.ReadAt(p, off)
}

// TestInPlace: content in memory is scanned where it is, gaps and chunk
// borders included, without a byte read through ReadAt; a slice shorter
// than the declared size is read (and fails) like any short reader.
func TestInPlace(t *testing.T) {
	data := bytes.Repeat([]byte("filler.."), 1<<18) // 2 MiB: several chunks
	copy(data[100:], "HEAD-MARKER")
	copy(data[defaultChunk-5:], "ACROSS-THE-BORDER")
	copy(data[len(data)-40:], "TAIL-MARKER")
	for _, chunk := range []int{4096, defaultChunk} {
		m := ndb(t, chunk,
			"Star:0:*:484541442d4d41524b4552*5441494c2d4d41524b4552",
			"Border:0:*:"+hex.EncodeToString([]byte("ACROSS-THE-BORDER")),
			"EOFTail:0:EOF-40:5441494c2d4d41524b4552",
			"Absent:0:*:5441494c2d4d41524b4552*484541442d4d41524b4552")
		c := &countingBytes{data: data}
		got, err := m.Detect(context.Background(), c, int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"Border", "EOFTail", "Star"}; !sameNames(got, want) {
			t.Errorf("chunk %d: got %v, want %v", chunk, got, want)
		}
		if c.n != 0 {
			t.Errorf("chunk %d: %d bytes read through ReadAt", chunk, c.n)
		}
	}
	m := ndb(t, 16, "S:0:*:61626364")
	if _, err := m.Detect(context.Background(), unpack.Bytes("abcdabcd"), 100); !errors.Is(err, ErrShortRead) {
		t.Errorf("declared size beyond the slice: err = %v, want ErrShortRead", err)
	}
}

type shortReader struct{ data []byte }

func (s shortReader) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(s.data)) {
		return 0, io.EOF
	}
	n := copy(p, s.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

type failReader struct{}

var errDisk = errors.New("disk on fire")

func (failReader) ReadAt(p []byte, off int64) (int, error) { return 0, errDisk }

func TestReadErrors(t *testing.T) {
	m := ndb(t, 16, "S:0:*:61626364")
	if _, err := m.Detect(context.Background(), shortReader{[]byte("abcdabcd")}, 100); !errors.Is(err, ErrShortRead) {
		t.Errorf("declared size beyond data: err = %v, want ErrShortRead", err)
	}
	if _, err := m.Detect(context.Background(), failReader{}, 10); !errors.Is(err, errDisk) {
		t.Errorf("failing reader: err = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Detect(ctx, bytes.NewReader(make([]byte, 100)), 100); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: err = %v", err)
	}
	if got := detect(t, m, nil); got != nil {
		t.Errorf("empty file: %v", got)
	}
}

// TestConcurrent runs many goroutines on one matcher (run with -race).
func TestConcurrent(t *testing.T) {
	pe := minimalPE()
	es := []sigfile.Entry{
		entry(t, sigfile.KindNDB, "Body:0:*:61626364*65666768"),
		entry(t, sigfile.KindNDB, "PE:1:EP+0:"+hexAt(pe, 0x210, 8)),
		entry(t, sigfile.KindLDB, "L;Engine:51-255,Target:0;0>1;69696969"),
		entry(t, sigfile.KindHDB, md5hex([]byte("hash me"))+":7:Hash"),
	}
	genBodySigs(500, 9, func(_ string, e sigfile.Entry) { es = append(es, e) })
	m := buildWith(t, 7, es...)
	inputs := []struct {
		data []byte
		want []string
	}{
		{[]byte("abcd--efgh"), []string{"Body"}},
		{pe, []string{"PE"}},
		{[]byte("iiii iiii"), []string{"L"}},
		{[]byte("hash me"), []string{"Hash"}},
		{[]byte("nothing"), nil},
	}
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				in := inputs[(g+i)%len(inputs)]
				got, err := m.Detect(context.Background(), bytes.NewReader(in.data), int64(len(in.data)))
				if err != nil || !sameNames(got, in.want) {
					t.Errorf("goroutine %d: got %v, %v; want %v", g, got, err, in.want)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestGenerated plants generated signatures in random data and checks the
// generator's lines parse to what the matcher was given. 10,000 patterns
// are three runs of buildTiers' parallel walks in one segment.
func TestGenerated(t *testing.T) {
	var es []sigfile.Entry
	var lines []string
	genBodySigs(10_000, 11, func(l string, e sigfile.Entry) { es = append(es, e); lines = append(lines, l) })
	if got := GenerateBodySigs(10_000, 11); len(got) != 10_000 || got[17] != lines[17] {
		t.Fatalf("GenerateBodySigs differs from genBodySigs")
	}
	for i := 0; i < len(lines); i += 97 {
		e := entry(t, sigfile.KindNDB, lines[i])
		if e.Body.Pattern.String() != es[i].Body.Pattern.String() || e.Body.Offset != es[i].Body.Offset {
			t.Fatalf("line %q parses to %s", lines[i], e.Body.Pattern)
		}
	}
	for _, l := range GenerateHashSigs(50, 1) {
		kind := sigfile.KindHDB
		if len(l) > 33 && l[32] != ':' {
			kind = sigfile.KindHSB
		}
		entry(t, kind, l)
	}
	m := buildWith(t, 1000, es...)
	r := rand.New(rand.NewPCG(5, 6))
	data := make([]byte, 200000)
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	if got := detect(t, m, data); len(got) != 0 {
		t.Fatalf("random data matched %v", got)
	}
	var want []string
	for i := 0; i < len(es); i += 601 {
		s := es[i].Body
		if s.Offset.Kind != sigfile.OffAny {
			continue
		}
		at := r.IntN(len(data) - 4000)
		copy(data[at:], plantExact(r, s.Pattern))
		want = append(want, s.Name)
	}
	if got := detect(t, m, data); !sameNames(got, want) {
		t.Errorf("planted %v, got %v", want, got)
	}
}

// plantExact is plant with random (not alphabet) filler.
func plantExact(r *rand.Rand, p sigfile.Pattern) []byte {
	var out []byte
	for i, part := range p.Parts {
		if i > 0 {
			for range p.Gaps[i-1].Min {
				out = append(out, byte(r.Uint32()))
			}
		}
		for _, e := range part {
			if e.Kind == sigfile.ElemAlt {
				out = append(out, e.Alts[0][0].Value)
				continue
			}
			out = append(out, e.Byte.Value&e.Byte.Mask|byte(r.Uint32())&^e.Byte.Mask)
		}
	}
	return out
}
