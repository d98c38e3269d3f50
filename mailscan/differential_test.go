package mailscan

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sigtool/sigtool/mailmime"
)

// bypassMarker is what bypassSig matches: a reading "yields the payload"
// when one of its attachments contains it.
var bypassMarker = []byte("sigtool-bypass-test-payload")

// TestParserDifferential: every corpus message gets the payload as an
// attachment and is then mutated (seeded) over the classes of MIME
// ambiguity. Each mutant is read by Python's email package (policies
// default and compat32) and by Go's net/mail + mime/multipart; whenever
// any of them yields the payload as an attachment, our policy must have
// found it, and no reference reading of our rewritten message may yield
// it again. SIGTOOL_DIFF_MUTANTS sets how many mutants per message (make
// fuzz runs more); the counts go to the log and to the README.
func TestParserDifferential(t *testing.T) {
	py := needPython(t)
	msgs := corpusMessages(t)
	per := 5
	if v, err := strconv.Atoi(os.Getenv("SIGTOOL_DIFF_MUTANTS")); err == nil && v > 0 {
		per = v
	}
	s := bypassScanner(t)
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(20, 2026))
	type mutant struct {
		name    string
		classes []string
		data    []byte
	}
	var mutants []mutant
	for _, m := range msgs {
		for k := 0; k < per; k++ {
			data, classes := mutate(rng, m.data)
			mutants = append(mutants, mutant{fmt.Sprintf("%s~%d", m.name, k), classes, data})
		}
	}
	if len(mutants) < 2000 {
		t.Fatalf("only %d mutants", len(mutants))
	}
	pathOf := func(i int, suffix string) string { return filepath.Join(dir, fmt.Sprintf("m%05d%s.eml", i, suffix)) }
	var outs = map[int][]byte{}
	detected := make([]bool, len(mutants))
	errs := 0
	for i, m := range mutants {
		if err := os.WriteFile(pathOf(i, ""), m.data, 0o644); err != nil {
			t.Fatal(err)
		}
		o, err := s.Process(context.Background(), m.data, Envelope{})
		if err != nil {
			errs++
			t.Logf("%s %v: not handled: %v", m.name, m.classes, err)
			continue
		}
		// Found, or the whole message deleted by a rule (message/partial):
		// either way the payload is not delivered.
		detected[i] = o.Action == Delete
		for _, f := range o.Findings {
			detected[i] = detected[i] || f.Signature == "Sigtool.Test.Bypass-1"
		}
		if !detected[i] && testing.Verbose() {
			t.Logf("%s %v: not found (%s)", m.name, m.classes, o.Action)
		}
		if o.Message != nil && o.Action != Deliver {
			outs[i] = o.Message
			os.WriteFile(pathOf(i, ".out"), o.Message, 0o644)
		}
	}
	var inputs, outputs []string
	for i := range mutants {
		inputs = append(inputs, pathOf(i, ""))
		if outs[i] != nil {
			outputs = append(outputs, pathOf(i, ".out"))
		}
	}
	pyIn := pythonReadings(t, py, inputs)
	pyOut := pythonReadings(t, py, outputs)
	var yielded, misses, survivors int
	perRef := map[string]int{}
	for i, m := range mutants {
		refs := pyIn[pathOf(i, "")]
		if goYields(m.data, 0) {
			refs = append(refs, "go")
		}
		for _, r := range refs {
			perRef[r]++
		}
		if len(refs) > 0 {
			yielded++
			if !detected[i] {
				misses++
				t.Errorf("%s %v: %v yield the payload, we did not find it", m.name, m.classes, refs)
			}
		}
		if out := outs[i]; out != nil {
			left := pyOut[pathOf(i, ".out")]
			if goYields(out, 0) {
				left = append(left, "go")
			}
			if len(left) > 0 {
				survivors++
				t.Errorf("%s %v: %v still yield the payload from our rewrite", m.name, m.classes, left)
			}
		}
	}
	t.Logf("parser differential: %d messages (%d corpus x %d mutants), %d readings (python default, python compat32, go); "+
		"payload yielded by some reference in %d (python default %d, compat32 %d, go %d); detected by us in %d; misses %d; survivors in rewrites %d; not handled %d",
		len(mutants), len(msgs), per, 3*len(mutants), yielded, perRef["default"], perRef["compat32"], perRef["go"],
		count(detected), misses, survivors, errs)
}

func count(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// needPython finds python3, which CI installs (make deps); elsewhere the
// test skips without it.
func needPython(t *testing.T) string {
	p, err := exec.LookPath("python3")
	if err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("python3 missing in CI (make deps installs it): %v", err)
	}
	t.Skip("python3 not installed")
	return ""
}

// pythonReadings runs refparse.py over files and returns, per file, the
// Python policies whose reading yields the payload.
func pythonReadings(t *testing.T, py string, files []string) map[string][]string {
	out := map[string][]string{}
	if len(files) == 0 {
		return out
	}
	cmd := exec.Command(py, "testdata/differential/refparse.py", hex.EncodeToString(bypassMarker))
	cmd.Stdin = strings.NewReader(strings.Join(files, "\n") + "\n")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	res, err := cmd.Output()
	if err != nil {
		t.Fatalf("refparse.py: %v\n%s", err, &stderr)
	}
	sc := bufio.NewScanner(bytes.NewReader(res))
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		var r map[string]any
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("refparse.py output %q: %v", sc.Text(), err)
		}
		n++
		f := r["file"].(string)
		for _, pol := range []string{"default", "compat32"} {
			if r[pol] == true {
				out[f] = append(out[f], pol)
			}
		}
	}
	if n != len(files) {
		t.Fatalf("refparse.py read %d of %d files", n, len(files))
	}
	return out
}

// goYields reads msg as a Go program would with net/mail, mime and
// mime/multipart (descending into enclosed messages) and reports whether
// an attachment's decoded content holds the payload.
func goYields(msg []byte, depth int) bool {
	if depth > 20 {
		return false
	}
	m, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		return false
	}
	return goEntity(textproto.MIMEHeader(m.Header), m.Body, true, depth)
}

func goEntity(h textproto.MIMEHeader, body io.Reader, top bool, depth int) bool {
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		mt, params = "text/plain", nil
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				return false
			}
			if goEntity(p.Header, p, false, depth) {
				return true
			}
		}
	}
	if mt == "message/rfc822" || mt == "message/global" {
		b, _ := io.ReadAll(body)
		return goYields(b, depth+1)
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, &skipSpace{r: body})
	case "quoted-printable":
		if top { // multipart.Part decodes it already
			body = quotedprintable.NewReader(body)
		}
	}
	data, _ := io.ReadAll(body)
	disp, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	att := !strings.HasPrefix(mt, "text/") || dparams["filename"] != "" || params["name"] != "" || disp == "attachment"
	return att && bytes.Contains(data, bypassMarker)
}

// skipSpace drops line breaks and blanks, as a base64 reader must.
type skipSpace struct{ r io.Reader }

func (s *skipSpace) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	k := 0
	for _, c := range p[:n] {
		if c != '\r' && c != '\n' && c != ' ' && c != '\t' {
			p[k] = c
			k++
		}
	}
	return k, err
}

// A mutant is built as pieces around the payload part, so each mutation
// can change one of them: head + ct (the container's Content-Type field)
// + mid (the rest up to the payload's delimiter) + delim + the payload
// part's fields and body + tail.
type mutantParts struct {
	eol         string
	head        string
	ctName      string
	ctValue     string
	extraCT     []string // more Content-Type fields for the container
	mid         string
	boundary    string
	delim       string // the delimiter line before the payload part, with its eol
	fields      []string
	body        string
	tail        string // after the payload part: eol, close delimiter, the rest
	ownBoundary bool   // the boundary is ours (every delimiter line is ours to change)
}

func (m *mutantParts) render() []byte {
	var b strings.Builder
	b.WriteString(m.head)
	for _, f := range m.extraCT {
		b.WriteString(f + m.eol)
	}
	b.WriteString(m.ctName + ": " + m.ctValue + m.eol)
	b.WriteString(m.mid)
	b.WriteString(m.delim)
	for _, f := range m.fields {
		b.WriteString(f + m.eol)
	}
	b.WriteString(m.eol)
	b.WriteString(m.body)
	b.WriteString(m.tail)
	return []byte(b.String())
}

func lines(s, eol string) string { return strings.ReplaceAll(s, "\n", eol) }

// withPayload builds the pieces: the payload part goes last into the
// message's top multipart when it has a usable one, else the message is
// wrapped in a multipart/mixed of our own with its content first.
func withPayload(rng *rand.Rand, msg []byte) *mutantParts {
	eol := string(eolOf(msg))
	m := &mutantParts{eol: eol, ctName: "Content-Type"}
	m.fields = []string{
		`Content-Type: application/octet-stream; name="invoice.exe"`,
		"Content-Transfer-Encoding: base64",
		`Content-Disposition: attachment; filename="invoice.exe"`,
	}
	m.body = lines(b64(bypassPayload), eol)
	root, _ := mailmime.Parse(msg)
	var ct *mailmime.Field
	for i := range root.Header.Fields {
		if strings.EqualFold(root.Header.Fields[i].Name, "Content-Type") {
			if ct != nil {
				ct = nil // two already: wrap instead
				break
			}
			ct = &root.Header.Fields[i]
		}
	}
	if ct != nil && root.IsMultipart() && len(root.Children) > 0 && len(root.Alternates) == 0 && rng.IntN(3) > 0 {
		last := root.Children[len(root.Children)-1]
		m.head = string(msg[:ct.Start])
		m.ctValue = fmt.Sprintf("%s; boundary=%q", root.ContentType, root.Boundary)
		m.mid = string(msg[ct.End:last.End])
		m.boundary = root.Boundary
		m.delim = eol + "--" + root.Boundary + eol
		m.tail = eol + strings.TrimLeft(string(msg[last.End:]), "\r\n")
		if !strings.Contains(m.tail, "--"+root.Boundary+"--") {
			m.tail = eol + "--" + root.Boundary + "--" + eol
		}
		m.body = strings.TrimRight(m.body, "\r\n")
		return m
	}
	// Wrap: the message's own fields on top, its content fields with it.
	b := fmt.Sprintf("=_diff_%08x", rng.Uint32())
	var own, content strings.Builder
	for _, f := range root.Header.Fields {
		if isContentField(f.Name) {
			content.Write(withLineEnd(append([]byte(nil), f.Raw...), []byte(eol)))
		} else {
			own.Write(withLineEnd(append([]byte(nil), f.Raw...), []byte(eol)))
		}
	}
	m.head = own.String()
	if !root.Header.Has("MIME-Version") {
		m.head += "MIME-Version: 1.0" + eol
	}
	m.boundary, m.ownBoundary = b, true
	m.ctValue = fmt.Sprintf("multipart/mixed; boundary=%q", b)
	body := strings.TrimRight(string(msg[root.BodyStart:]), "\r\n")
	m.mid = eol + "--" + b + eol + content.String() + eol + body
	m.delim = eol + "--" + b + eol
	m.body = strings.TrimRight(m.body, "\r\n")
	m.tail = eol + "--" + b + "--" + eol
	return m
}

// mutations, by class. Each changes the pieces so that some reader may
// read the message differently from another.
var mutations = []struct {
	class string
	apply func(rng *rand.Rand, m *mutantParts)
}{
	{"name-comment", func(rng *rand.Rand, m *mutantParts) { m.ctName = "Content-Type(x)" }},
	{"nested-name-comment", func(rng *rand.Rand, m *mutantParts) {
		nestPayload(m, "multipart/mixed", func(f string) string {
			return strings.Replace(f, "Content-Type:", "Content-Type(meow):", 1)
		})
	}},
	{"blank-before-colon", func(rng *rand.Rand, m *mutantParts) {
		if rng.IntN(2) == 0 {
			m.ctName = "Content-Type "
		} else {
			m.fields = mapFields(m.fields, "Content-Transfer-Encoding", func(f string) string {
				return strings.Replace(f, ":", " :", 1)
			})
		}
	}},
	{"folded-name", func(rng *rand.Rand, m *mutantParts) {
		m.fields = mapFields(m.fields, "Content-Disposition", func(f string) string {
			return strings.Replace(f, "Content-", "Content-"+m.eol+" ", 1)
		})
	}},
	{"boundary-twice", func(rng *rand.Rand, m *mutantParts) {
		if rng.IntN(2) == 0 {
			m.ctValue += "; boundary=decoy_" + strconv.Itoa(rng.IntN(100))
		} else {
			m.ctValue = strings.Replace(m.ctValue, "; boundary=", "; boundary=decoy; boundary=", 1)
		}
	}},
	{"boundary-quoting", func(rng *rand.Rand, m *mutantParts) {
		switch rng.IntN(3) {
		case 0:
			m.ctValue = strings.Replace(m.ctValue, "boundary=", "boundary = ", 1)
		case 1:
			m.ctValue += " (comment)"
		case 2:
			if !strings.ContainsAny(m.boundary, " ()<>@,;:\\\"/[]?=") {
				m.ctValue = strings.Replace(m.ctValue, strconv.Quote(m.boundary), m.boundary, 1)
			}
		}
	}},
	{"boundary-rfc2231", func(rng *rand.Rand, m *mutantParts) {
		q := strconv.Quote(m.boundary)
		if rng.IntN(2) == 0 {
			m.ctValue = strings.Replace(m.ctValue, "boundary="+q, "boundary*=us-ascii''"+pctEncode(m.boundary), 1)
		} else if len(m.boundary) > 2 {
			h := len(m.boundary) / 2
			m.ctValue = strings.Replace(m.ctValue, "boundary="+q, fmt.Sprintf("boundary*0=%q; boundary*1=%q", m.boundary[:h], m.boundary[h:]), 1)
		}
	}},
	{"boundary-semicolon", func(rng *rand.Rand, m *mutantParts) {
		if !m.ownBoundary {
			return
		}
		nb := m.boundary + ";x"
		m.mid = strings.ReplaceAll(m.mid, "--"+m.boundary, "--"+nb)
		m.delim = strings.ReplaceAll(m.delim, "--"+m.boundary, "--"+nb)
		m.tail = strings.ReplaceAll(m.tail, "--"+m.boundary, "--"+nb)
		m.ctValue = strings.Replace(m.ctValue, strconv.Quote(m.boundary), strconv.Quote(nb), 1)
		m.boundary = nb
	}},
	{"two-content-types", func(rng *rand.Rand, m *mutantParts) {
		extra := "Content-Type: text/plain; charset=us-ascii"
		if rng.IntN(2) == 0 {
			extra = "Content-Type: multipart/mixed; boundary=\"other\""
		}
		m.extraCT = append(m.extraCT, extra)
	}},
	{"part-two-content-types", func(rng *rand.Rand, m *mutantParts) {
		m.fields = append([]string{"Content-Type: text/plain"}, m.fields...)
	}},
	{"two-transfer-encodings", func(rng *rand.Rand, m *mutantParts) {
		if rng.IntN(2) == 0 {
			m.fields = append([]string{"Content-Transfer-Encoding: 7bit"}, m.fields...)
		} else {
			m.fields = append(m.fields, "Content-Transfer-Encoding: 8bit")
		}
	}},
	{"odd-transfer-encoding", func(rng *rand.Rand, m *mutantParts) {
		m.fields = mapFields(m.fields, "Content-Transfer-Encoding", func(string) string {
			return []string{"Content-Transfer-Encoding: BASE64", "Content-Transfer-Encoding: base64 (sic)", "Content-Transfer-Encoding: 7bit"}[rng.IntN(3)]
		})
	}},
	{"two-dispositions", func(rng *rand.Rand, m *mutantParts) {
		m.fields = append([]string{"Content-Disposition: inline"}, m.fields...)
		m.fields = mapFields(m.fields, "Content-Type", func(string) string { return "Content-Type: text/plain" })
	}},
	{"missing-final-boundary", func(rng *rand.Rand, m *mutantParts) {
		m.tail = m.eol
	}},
	{"early-final-boundary", func(rng *rand.Rand, m *mutantParts) {
		m.delim = m.eol + "--" + m.boundary + "--" + m.delim
	}},
	{"message-rfc822", func(rng *rand.Rand, m *mutantParts) {
		nestMessage(m, []string{"message/rfc822", "message/global"}[rng.IntN(2)])
	}},
	{"uuencode-in-text", func(rng *rand.Rand, m *mutantParts) {
		m.fields = []string{"Content-Type: text/plain; charset=us-ascii"}
		m.body = lines("Please find it below.\n\nbegin 644 invoice.exe\n"+uuencode(bypassPayload)+"`\nend\n\nThanks", m.eol)
	}},
	{"yenc-in-text", func(rng *rand.Rand, m *mutantParts) {
		m.fields = []string{"Content-Type: text/plain; charset=x-user-defined", "Content-Transfer-Encoding: 8bit"}
		m.body = lines(fmt.Sprintf("Here:\n=ybegin line=128 size=%d name=invoice.exe\n%s\n=yend size=%d\nThanks", len(bypassPayload), yencode(bypassPayload), len(bypassPayload)), m.eol)
	}},
	{"binhex-in-text", func(rng *rand.Rand, m *mutantParts) {
		m.fields = []string{"Content-Type: text/plain; charset=us-ascii"}
		m.body = lines("Mac users:\n\n"+binhex("invoice.exe", bypassPayload)+"\nThanks", m.eol)
	}},
	{"crlf", func(rng *rand.Rand, m *mutantParts) {
		if m.eol == "\n" && m.ownBoundary {
			for _, p := range []*string{&m.head, &m.mid, &m.delim, &m.body, &m.tail} {
				*p = strings.ReplaceAll(*p, "\n", "\r\n")
			}
			m.eol = "\r\n"
		}
	}},
}

// mutate adds the payload to msg and applies up to two mutations (none
// for a fifth of the mutants: the plain case must hold too).
func mutate(rng *rand.Rand, msg []byte) ([]byte, []string) {
	m := withPayload(rng, msg)
	var classes []string
	for n := []int{0, 1, 1, 2, 2}[rng.IntN(5)]; n > 0; n-- {
		mu := mutations[rng.IntN(len(mutations))]
		mu.apply(rng, m)
		classes = append(classes, mu.class)
	}
	return m.render(), classes
}

// nestPayload puts the payload part inside a multipart of its own, whose
// Content-Type field edit may alter.
func nestPayload(m *mutantParts, typ string, edit func(string) string) {
	inner := fmt.Sprintf("=_inner_%d", len(m.body))
	var b strings.Builder
	b.WriteString("--" + inner + m.eol)
	for _, f := range m.fields {
		b.WriteString(f + m.eol)
	}
	b.WriteString(m.eol + m.body + m.eol + "--" + inner + "--")
	m.fields = []string{edit(fmt.Sprintf("Content-Type: %s; boundary=%q", typ, inner))}
	m.body = b.String()
}

// nestMessage wraps the payload part in an enclosed message.
func nestMessage(m *mutantParts, typ string) {
	var b strings.Builder
	b.WriteString("Subject: forwarded" + m.eol + "MIME-Version: 1.0" + m.eol)
	for _, f := range m.fields {
		b.WriteString(f + m.eol)
	}
	b.WriteString(m.eol + m.body)
	m.fields = []string{"Content-Type: " + typ}
	m.body = b.String()
}

func mapFields(fields []string, name string, f func(string) string) []string {
	out := make([]string, len(fields))
	for i, x := range fields {
		if strings.HasPrefix(strings.ToLower(x), strings.ToLower(name)+":") {
			x = f(x)
		}
		out[i] = x
	}
	return out
}

func pctEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e || strings.IndexByte("%'*()<>@,;:\\\"/[]?={} ", c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}
