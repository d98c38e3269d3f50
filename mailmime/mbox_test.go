package mailmime

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// checkMboxTiling checks that the records tile data and that each message
// lies inside its record.
func checkMboxTiling(t *testing.T, name string, data []byte, msgs []MboxMessage) {
	t.Helper()
	var re []byte
	prev := 0
	for i, m := range msgs {
		if m.Start != prev || m.Start > m.MsgStart || m.MsgStart > m.MsgEnd || m.MsgEnd > m.End {
			t.Errorf("%s: message %d has ranges %+v after %d", name, i, m, prev)
			return
		}
		re = append(re, data[m.Start:m.End]...)
		prev = m.End
	}
	if !bytes.Equal(re, data) {
		t.Errorf("%s: records do not tile the file (%d of %d bytes)", name, len(re), len(data))
	}
}

func TestSplitMboxCorpus(t *testing.T) {
	tests := []struct {
		file string
		want int
	}{
		// Python's mailbox.mbox finds 2 here; the second "From " line is
		// body text ("From time to time"), so the author meant one.
		{"cpython/mailbox_01.mbox", 1},
		{"mime4j/mbox/mbox.rlug", 5},
		// Content-Length style with "From - " lines that carry no date.
		{"mimekit/mbox/content-length.mbox.txt", 29},
		{"mimekit/mbox/issue1189.mbox.txt", 4},
		// From_ lines not preceded by a blank line.
		{"mimekit/mbox/simple.mbox.txt", 3},
		// A BOM before the first From_ line and unescaped "From Russia
		// with love" lines (Python: 3, ignoring the BOM-prefixed one).
		{"mimekit/mbox/unmunged.mbox.txt", 2},
		{"sisimai/mailbox/mbox-0", 37},
		{"sisimai/mailbox/mbox-1", 1},
	}
	for _, tt := range tests {
		data, err := os.ReadFile(filepath.Join(corpusDir, tt.file))
		if err != nil {
			t.Skip(err)
		}
		msgs := SplitMbox(data)
		if len(msgs) != tt.want {
			t.Errorf("%s: %d messages, want %d", tt.file, len(msgs), tt.want)
		}
		checkMboxTiling(t, tt.file, data, msgs)
		for i, m := range msgs {
			if !strings.HasPrefix(m.FromLine, "From ") {
				t.Errorf("%s: message %d From line %q", tt.file, i, m.FromLine)
			}
			if bytes.HasPrefix(m.Message(data), []byte("From ")) {
				t.Errorf("%s: message %d still starts with its From_ line", tt.file, i)
			}
		}
	}
}

func TestSplitMbox(t *testing.T) {
	tests := []struct {
		name  string
		data  string
		msgs  []string // message proper of each record
		froms []string
	}{
		{"two", "From a Mon Jan  1 00:00:00 2024\nSubject: 1\n\nb1\n\nFrom b Mon Jan  1 00:00:01 2024\nSubject: 2\n\nb2\n",
			[]string{"Subject: 1\n\nb1\n", "Subject: 2\n\nb2\n"}, []string{"From a Mon Jan  1 00:00:00 2024", "From b Mon Jan  1 00:00:01 2024"}},
		{"crlf", "From a 2024\r\nSubject: 1\r\n\r\nb1\r\n\r\nFrom b 2024\r\nSubject: 2\r\n\r\nb2\r\n",
			[]string{"Subject: 1\r\n\r\nb1\r\n", "Subject: 2\r\n\r\nb2\r\n"}, []string{"From a 2024", "From b 2024"}},
		{"leading junk", "junk\nFrom a 2024\nSubject: 1\n\nb\n",
			[]string{"junk\n", "Subject: 1\n\nb\n"}, []string{"", "From a 2024"}},
		{"body From not header-followed", "From a 2024\nSubject: 1\n\nFrom the start 2024\nof time\n",
			[]string{"Subject: 1\n\nFrom the start 2024\nof time\n"}, []string{"From a 2024"}},
		{"content-length skips a From_ line in the body", "From a 2024\nContent-Length: 23\n\nFrom b 2024\nSubject: x\n\nFrom c 2024\nSubject: 3\n\nc\n",
			[]string{"Content-Length: 23\n\nFrom b 2024\nSubject: x\n", "Subject: 3\n\nc\n"}, []string{"From a 2024", "From c 2024"}},
		{"wrong content-length is ignored", "From a 2024\nContent-Length: 3\n\nbody\n\nFrom b 2024\nSubject: 2\n\nb\n",
			[]string{"Content-Length: 3\n\nbody\n", "Subject: 2\n\nb\n"}, []string{"From a 2024", "From b 2024"}},
		{"content-length ends at a From_ line mid-line", "From a 2024\nContent-Length: 4\n\nbodyFrom b 2024\nSubject: 2\n\nb\n",
			[]string{"Content-Length: 4\n\nbody", "Subject: 2\n\nb\n"}, []string{"From a 2024", "From b 2024"}},
		{"From_ after a lone CR", "From a 2024\rSubject: 1\r\rb\r\rFrom b 2024\rSubject: 2\r\rb\r",
			[]string{"Subject: 1\r\rb\r", "Subject: 2\r\rb\r"}, []string{"From a 2024", "From b 2024"}},
		{"no From_ line", "Subject: 1\n\nFrom me to you\n", []string{"Subject: 1\n\nFrom me to you\n"}, []string{""}},
		{"empty", "", nil, nil},
	}
	for _, tt := range tests {
		data := []byte(tt.data)
		msgs := SplitMbox(data)
		checkMboxTiling(t, tt.name, data, msgs)
		if len(msgs) != len(tt.msgs) {
			t.Errorf("%s: %d messages, want %d: %+v", tt.name, len(msgs), len(tt.msgs), msgs)
			continue
		}
		for i, m := range msgs {
			if string(m.Message(data)) != tt.msgs[i] || m.FromLine != tt.froms[i] {
				t.Errorf("%s: message %d = %q from %q, want %q from %q", tt.name, i, m.Message(data), m.FromLine, tt.msgs[i], tt.froms[i])
			}
		}
	}
}

func TestReadMaildirCorpus(t *testing.T) {
	dir := filepath.Join(corpusDir, "mime4j/maildir-rlug")
	files, err := ReadMaildir(dir)
	if err != nil {
		t.Skip(err)
	}
	var cur, nw int
	for _, f := range files {
		switch filepath.Base(filepath.Dir(f)) {
		case "cur":
			cur++
			if !strings.Contains(filepath.Base(f), ":2,") {
				t.Errorf("cur file %q lacks its info suffix", f)
			}
		case "new":
			nw++
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Parse(data)
		if err != nil {
			t.Errorf("%s: %v", f, err)
		}
		checkTiling(t, f, data, p)
	}
	if cur != 3 || nw != 2 {
		t.Errorf("found %d in cur, %d in new; want 3 and 2", cur, nw)
	}
}

func TestReadMaildir(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"cur/1.a:2,S", "cur/.hidden", "new/2.b", "tmp/3.c"} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte("Subject: x\n\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.Mkdir(filepath.Join(dir, "cur", "subdir"), 0o755)
	files, err := ReadMaildir(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "cur/1.a:2,S"), filepath.Join(dir, "new/2.b")}
	if strings.Join(files, "|") != strings.Join(want, "|") {
		t.Errorf("files = %q, want %q", files, want)
	}
	if _, err := ReadMaildir(t.TempDir()); !errors.Is(err, ErrNotMaildir) {
		t.Errorf("empty dir: err = %v, want ErrNotMaildir", err)
	}
}

// splitMboxByLines is SplitMbox as it was before nextFromLine searched for
// "From " and the Content-Length parse was skipped: every line tried, every
// header parsed. FuzzSplitMbox holds the two to the same records.
func splitMboxByLines(data []byte) []MboxMessage {
	var out []MboxMessage
	for i := 0; i < len(data); {
		m := MboxMessage{Start: i}
		j := i
		if lineStart := skipBOM(data, i); isFromLine(data, lineStart) {
			ce, next := lineAt(data, lineStart, len(data))
			m.FromLine = string(data[lineStart:ce])
			j = next
		}
		m.MsgStart = j
		end := len(data)
		for k := j; k < len(data); {
			if isFromLine(data, k) {
				end = k
				break
			}
			_, k = lineAt(data, k, len(data))
		}
		if cl := contentLengthEnd(data, j); cl > 0 {
			end = cl
		}
		m.End = end
		m.MsgEnd = trimSeparator(data, m.MsgStart, end)
		out = append(out, m)
		i = end
	}
	return out
}

func FuzzSplitMbox(f *testing.F) {
	for _, s := range []string{
		"From a 2024\nContent-Length: 4\n\nbodyFrom b 2024\nSubject: 2\n\nb\n",
		"From a 2024\r\nSubject: 1\r\n\r\nb1\r\n\r\nFrom b 2024\r\nSubject: 2\r\n\r\nb2\r\n",
		"From a 2024\rSubject: 1\r\rFrom x 1\r\nX: y\r\n\nFrom b 2024\nSubject: 2\n",
		"\ufeffFrom a 2024\nContent-Length: 23\n\nFrom b 2024\nSubject: x\n\nFrom c 2024\nSubject: 3\n\nc\n",
		"Subject: 1\nContent-Length: 2\n\nabFrom c 2024\nS: 3\n",
	} {
		f.Add([]byte(s))
	}
	for _, name := range []string{"mimekit/mbox/content-length.mbox.txt", "mimekit/mbox/unmunged.mbox.txt", "sisimai/mailbox/mbox-0"} {
		if data, err := os.ReadFile(filepath.Join(corpusDir, name)); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, want := SplitMbox(data), splitMboxByLines(data)
		if len(got) != len(want) {
			t.Fatalf("%d records, want %d:\n%+v\n%+v", len(got), len(want), got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("record %d = %+v, want %+v", i, got[i], want[i])
			}
		}
	})
}
