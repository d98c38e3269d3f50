package mailmime

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const corpusDir = "../../shared/corpus/mail"

// corpusEntry is one row of the corpus INDEX.tsv.
type corpusEntry struct {
	file      string
	features  map[string]bool
	mimeParts string
}

func readCorpusIndex(t testing.TB) []corpusEntry {
	t.Helper()
	f, err := os.Open(filepath.Join(corpusDir, "INDEX.tsv"))
	if err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	defer f.Close()
	var out []corpusEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	first := true
	for sc.Scan() {
		if first {
			first = false
			continue
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 10 {
			t.Fatalf("INDEX.tsv: short row %q", sc.Text())
		}
		e := corpusEntry{file: cols[0], features: map[string]bool{}, mimeParts: cols[7]}
		for _, ft := range strings.Split(cols[9], ",") {
			e.features[ft] = true
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// rebuild re-emits p from its recorded ranges and checks on the way that
// every gap between ranges is exactly one delimiter line of p's boundary
// (with the line break before it), so a wrong offset cannot hide in a gap.
func rebuild(t testing.TB, name string, p *Part) []byte {
	t.Helper()
	msg := p.msg
	if p.Start > p.BodyStart || p.BodyStart > p.End {
		t.Errorf("%s: part at %d: bad ranges %d/%d/%d", name, p.Start, p.Start, p.BodyStart, p.End)
		return nil
	}
	out := append([]byte{}, msg[p.Start:p.BodyStart]...)
	switch {
	case len(p.Children) == 0:
		return append(out, msg[p.BodyStart:p.End]...)
	case p.IsMultipart():
		if p.Preamble.Start != p.BodyStart {
			t.Errorf("%s: part at %d: preamble starts at %d, body at %d", name, p.Start, p.Preamble.Start, p.BodyStart)
		}
		out = append(out, msg[p.Preamble.Start:p.Preamble.End]...)
		prev := p.Preamble.End
		for i, c := range p.Children {
			if c.Start < prev {
				t.Errorf("%s: child %d at %d overlaps previous end %d", name, i, c.Start, prev)
				return nil
			}
			checkDelimGap(t, name, msg[prev:c.Start], p.Boundary, false, i == 0 && prev == p.BodyStart)
			out = append(out, msg[prev:c.Start]...)
			out = append(out, rebuild(t, name, c)...)
			prev = c.End
		}
		if p.Epilogue.End != p.End || p.Epilogue.Start < prev {
			t.Errorf("%s: part at %d: epilogue %v, last child end %d, part end %d", name, p.Start, p.Epilogue, prev, p.End)
			return nil
		}
		if p.Epilogue.Start > prev {
			checkDelimGap(t, name, msg[prev:p.Epilogue.Start], p.Boundary, true, false)
		}
		out = append(out, msg[prev:p.Epilogue.Start]...)
		return append(out, msg[p.Epilogue.Start:p.Epilogue.End]...)
	default: // message/rfc822: one child covering the body
		c := p.Children[0]
		if len(p.Children) != 1 || c.Start != p.BodyStart || c.End != p.End {
			t.Errorf("%s: message part at %d: child range %d-%d, body %d-%d", name, p.Start, c.Start, c.End, p.BodyStart, p.End)
		}
		return append(out, rebuild(t, name, c)...)
	}
}

// checkDelimGap checks that gap is [EOL] "--boundary..." EOL (the EOL may
// be missing at the very start of a body or at the end of the message).
func checkDelimGap(t testing.TB, name string, gap []byte, boundary string, closing, atBodyStart bool) {
	t.Helper()
	g := gap
	switch {
	case bytes.HasPrefix(g, []byte("\r\n")):
		g = g[2:]
	case len(g) > 0 && (g[0] == '\n' || g[0] == '\r'):
		g = g[1:]
	case !atBodyStart && !bytes.HasPrefix(bytes.TrimLeft(g, " \t"), []byte("--")):
		t.Errorf("%s: delimiter gap %q lacks its leading line break", name, gap)
	}
	ce, next := lineAt(g, 0, len(g))
	kind := delimKind(g[:ce], boundary, true)
	if kind == 0 || (closing != (kind == 2)) || next != len(g) {
		t.Errorf("%s: gap %.80q is not one closing=%v delimiter line of %.40q", name, gap, closing, boundary)
	}
}

func checkTiling(t testing.TB, name string, msg []byte, root *Part) {
	t.Helper()
	if root.Start != 0 || root.End != len(msg) {
		t.Errorf("%s: root covers %d-%d of %d bytes", name, root.Start, root.End, len(msg))
	}
	if got := rebuild(t, name, root); !bytes.Equal(got, msg) {
		t.Errorf("%s: re-emitted %d bytes, message has %d; differ", name, len(got), len(msg))
	}
}

func shortHash(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:8])
}

// dumpTree renders the tree for golden files.
func dumpTree(root *Part) string {
	var sb strings.Builder
	_ = Walk(root, func(p *Part) error {
		ind := strings.Repeat("  ", p.Depth)
		alt := ""
		if p.InAlternate() {
			alt = " ALT"
		}
		fmt.Fprintf(&sb, "%s%s%s cte=%q", ind, p.ContentType, alt, p.Encoding)
		if p.Boundary != "" {
			fmt.Fprintf(&sb, " boundary=%q", p.Boundary)
		}
		if p.Filename != "" || p.RawFilename != "" {
			fmt.Fprintf(&sb, " filename=%q raw=%q", p.Filename, p.RawFilename)
		}
		if p.Disposition != "" {
			fmt.Fprintf(&sb, " disp=%s", p.Disposition)
		}
		var flags []string
		for _, f := range []struct {
			on   bool
			name string
		}{{p.IsAttachment(), "attachment"}, {p.IsPartial, "partial"}, {p.IsEncrypted(), "encrypted"}, {p.IsSigned(), "signed"}} {
			if f.on {
				flags = append(flags, f.name)
			}
		}
		if len(flags) > 0 {
			fmt.Fprintf(&sb, " [%s]", strings.Join(flags, ","))
		}
		sb.WriteString("\n")
		if p.IsLeaf() {
			data, err := p.Decode()
			fmt.Fprintf(&sb, "%s  body %d bytes sha256:%s", ind, len(data), shortHash(data))
			if err != nil {
				fmt.Fprintf(&sb, " err=%v", err)
			}
			sb.WriteString("\n")
			for _, e := range append(p.Uuencoded(), p.YEnc()...) {
				fmt.Fprintf(&sb, "%s  %s %q %d bytes sha256:%s\n", ind, e.Kind, e.Name, len(e.Data), shortHash(e.Data))
			}
		} else if p.IsMultipart() && (p.Preamble.Len() > 0 || p.Epilogue.Len() > 0) {
			fmt.Fprintf(&sb, "%s  preamble %d bytes, epilogue %d bytes\n", ind, p.Preamble.Len(), p.Epilogue.Len())
		}
		for _, d := range p.Defects {
			fmt.Fprintf(&sb, "%s  defect: %v\n", ind, d)
		}
		return nil
	})
	return sb.String()
}
