package milter

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/d--j/go-milter/mailfilter"

	"github.com/sigtool/sigtool/mailmime"
	"github.com/sigtool/sigtool/mailscan"
)

// message is one message as the MTA handed it over: its header fields
// and body put back together in wire form (CRLF line ends), which is
// what the policy reads.
type message struct {
	raw    []byte
	fields [][]byte // each header field's bytes in raw, without its final CRLF
	body   int      // offset of the body in raw
}

// readMessage puts the message together. It fails with errOversize
// when the message is over maxSize bytes or maxHeaders fields: the MTA
// was then told to skip the rest, and a part must never be scanned as if
// it were the whole.
func readMessage(trx mailfilter.Trx, maxSize int64, maxHeaders int) (*message, error) {
	f := trx.Headers().Fields()
	if f.Len() > maxHeaders {
		return nil, fmt.Errorf("%w: more than %d header fields", errOversize, maxHeaders)
	}
	var buf bytes.Buffer
	m := &message{}
	var spans [][2]int
	for f.Next() {
		start := buf.Len()
		buf.Write(crlf(f.Raw()))
		spans = append(spans, [2]int{start, buf.Len()})
		buf.WriteString("\r\n")
	}
	buf.WriteString("\r\n")
	m.body = buf.Len()
	if b := trx.Body(); b != nil {
		size, err := b.Seek(0, io.SeekEnd)
		if err != nil {
			return nil, fmt.Errorf("milter: message body: %w", err)
		}
		if int64(m.body)+size > maxSize {
			return nil, fmt.Errorf("%w: more than %d bytes", errOversize, maxSize)
		}
		if _, err := b.Seek(0, io.SeekStart); err != nil {
			return nil, fmt.Errorf("milter: message body: %w", err)
		}
		buf.Grow(int(size))
		if _, err := io.Copy(&buf, b); err != nil {
			return nil, fmt.Errorf("milter: message body: %w", err)
		}
	}
	if int64(buf.Len()) > maxSize {
		return nil, fmt.Errorf("%w: more than %d bytes", errOversize, maxSize)
	}
	m.raw = buf.Bytes()
	for _, s := range spans {
		m.fields = append(m.fields, m.raw[s[0]:s[1]])
	}
	return m, nil
}

// crlf writes a field's line breaks as CRLF: MTAs pass a folded field
// with bare LFs between its lines.
func crlf(b []byte) []byte {
	if !bytes.Contains(b, []byte("\n")) {
		return b
	}
	out := make([]byte, 0, len(b)+8)
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, c)
	}
	return out
}

// apply tells the MTA how to turn the message into final: the header
// fields that differ (an edit script over the fields, so every field the
// policy did not touch stays where it is, as it is) and the body when it
// changed. The MTA keeps the message in its queue throughout; nothing
// of it travels back except what changed.
func (m *message) apply(trx mailfilter.Trx, final []byte) error {
	root, err := mailmime.Parse(final)
	if root == nil {
		return fmt.Errorf("milter: the message to deliver does not parse: %w", err)
	}
	var next [][]byte
	for _, f := range root.Header.Fields {
		raw := bytes.TrimSuffix(bytes.TrimSuffix(f.Raw, []byte("\n")), []byte("\r"))
		if f.Name == "" || bytes.IndexByte(raw, ':') < 0 {
			return fmt.Errorf("milter: the message to deliver has a header line that is no field: %q", raw)
		}
		next = append(next, raw)
	}
	editFields(trx, m.fields, next)
	if body := final[root.BodyStart:]; !bytes.Equal(body, m.raw[m.body:]) {
		trx.ReplaceBody(bytes.NewReader(body))
	}
	return nil
}

// editFields changes trx's header fields, which are old, into next: the
// fields of a longest common subsequence stay as they are, the others of
// old are deleted and the others of next inserted where they stand. A
// deletion followed by an insertion of the same name becomes one change.
func editFields(trx mailfilter.Trx, old, next [][]byte) {
	script := diff(old, next)
	it := trx.Headers().Fields()
	var pending [][]byte // insertions before the next field of old
	for k := 0; k < len(script); k++ {
		op := script[k]
		switch op.kind {
		case opInsert:
			pending = append(pending, next[op.j])
			continue
		}
		it.Next()
		for _, f := range pending {
			it.InsertBefore(split(f))
		}
		pending = nil
		if op.kind == opKeep {
			continue
		}
		if k+1 < len(script) && script[k+1].kind == opInsert && sameName(next[script[k+1].j], old[op.i]) {
			it.Replace(split(next[script[k+1].j]))
			k++
			continue
		}
		it.Del()
	}
	for _, f := range pending {
		trx.Headers().Add(split(f))
	}
}

const (
	opKeep = iota
	opDelete
	opInsert
)

type edit struct{ kind, i, j int }

// diff is the shortest edit script from a to b (a longest common
// subsequence kept), with each gap's deletions before its insertions.
func diff(a, b [][]byte) []edit {
	n, m := len(a), len(b)
	t := make([][]int, n+1) // t[i][j]: LCS length of a[i:], b[j:]
	for i := range t {
		t[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if bytes.Equal(a[i], b[j]) {
				t[i][j] = t[i+1][j+1] + 1
			} else {
				t[i][j] = max(t[i+1][j], t[i][j+1])
			}
		}
	}
	var script []edit
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && bytes.Equal(a[i], b[j]):
			script = append(script, edit{opKeep, i, j})
			i, j = i+1, j+1
		case i < n && (j == m || t[i+1][j] >= t[i][j+1]):
			script = append(script, edit{opDelete, i, j})
			i++
		default:
			script = append(script, edit{opInsert, i, j})
			j++
		}
	}
	return script
}

func split(field []byte) (name, value string) {
	i := bytes.IndexByte(field, ':')
	return string(field[:i]), string(field[i+1:])
}

func sameName(a, b []byte) bool {
	na, _ := split(a)
	nb, _ := split(b)
	return bytes.EqualFold([]byte(na), []byte(nb))
}

// setTop puts a field in front of the message's first field and deletes
// the fields of its name the message already has, as a delivery does
// (mailscan.AddFields): a sender's own "X-Virus-Status: Clean" must not
// stand beside the gateway's "Not scanned".
func setTop(trx mailfilter.Trx, f mailscan.HeaderField) {
	it := trx.Headers().Fields()
	first := true
	for it.Next() {
		if first {
			it.InsertBefore(f.Name, " "+f.Value)
			first = false
		}
		if strings.EqualFold(it.Key(), f.Name) {
			it.Del()
		}
	}
	if first {
		trx.Headers().Add(f.Name, " "+f.Value)
	}
}
