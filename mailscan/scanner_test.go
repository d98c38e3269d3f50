package mailscan

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/sigtool/sigtool/mailmime"
	"github.com/sigtool/sigtool/scan"
)

func golden(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/golden/" + name + ".eml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withHeader returns msg with extra header lines put in front.
func withHeader(msg []byte, lines ...string) []byte {
	return append([]byte(strings.Join(lines, "\n")+"\n"), msg...)
}

func TestScopeAndDirection(t *testing.T) {
	infected := golden(t, "attachment-7bit-lf") // To: bob@example.edu
	scoped := testPolicy()
	scoped.Domains = []string{"example.edu"}
	other := testPolicy()
	other.Domains = []string{"example.com"}
	sub := testPolicy()
	sub.Domains = []string{".example.com"}
	addr := testPolicy()
	addr.Addresses = []string{"Carol@Example.com"}
	outbound := testPolicy()
	outbound.ScanOutbound = true
	tests := []struct {
		name   string
		p      Policy
		msg    []byte
		env    Envelope
		action Action
		reason string
	}{
		{"no scope scans all", testPolicy(), infected, Envelope{}, Rewrite, reasonVirus},
		{"To in scope", scoped, infected, Envelope{}, Rewrite, reasonVirus},
		{"To out of scope", other, infected, Envelope{}, Deliver, reasonOutOfScope},
		{"rcpt overrides header", other, infected, Envelope{Recipients: []string{"x@example.com"}}, Rewrite, reasonVirus},
		{"rcpt out of scope", scoped, infected, Envelope{Recipients: []string{"x@example.com"}}, Deliver, reasonOutOfScope},
		{"Delivered-To", other, withHeader(infected, "Delivered-To: z@example.com"), Envelope{}, Rewrite, reasonVirus},
		{"Cc", other, withHeader(infected, "Cc: a@b.org, \"Z\" <z@EXAMPLE.COM>"), Envelope{}, Rewrite, reasonVirus},
		{"broken To still read", other, withHeader(infected, "Cc: <<z@example.com"), Envelope{}, Rewrite, reasonVirus},
		{"subdomain rule", sub, infected, Envelope{Recipients: []string{"x@mx.example.com"}}, Rewrite, reasonVirus},
		{"subdomain rule covers domain", sub, infected, Envelope{Recipients: []string{"x@example.com"}}, Rewrite, reasonVirus},
		{"subdomain rule no suffix trick", sub, infected, Envelope{Recipients: []string{"x@badexample.com"}}, Deliver, reasonOutOfScope},
		{"address rule", addr, infected, Envelope{Recipients: []string{"<carol@example.com>"}}, Rewrite, reasonVirus},
		{"address rule other user", addr, infected, Envelope{Recipients: []string{"dave@example.com"}}, Deliver, reasonOutOfScope},
		{"outbound not scanned", testPolicy(), infected, Envelope{Direction: "outbound"}, Deliver, reasonOutbound},
		{"outbound scanned when asked", outbound, infected, Envelope{Direction: "Outbound"}, Rewrite, reasonVirus},
		{"inbound", testPolicy(), infected, Envelope{Direction: "inbound"}, Rewrite, reasonVirus},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newTestScanner(t, tt.p)
			o, err := s.Process(context.Background(), tt.msg, tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if o.Action != tt.action || len(o.Reasons) == 0 || o.Reasons[0] != tt.reason {
				t.Fatalf("got %s %v, want %s %s", o.Action, o.Reasons, tt.action, tt.reason)
			}
			if o.Action == Deliver && !bytes.Equal(o.Message, tt.msg) {
				t.Fatal("delivered message changed")
			}
		})
	}
}

// failingScan returns a scanFunc that fails with err, or panics if err is nil.
func failingScan(err error) scanFunc {
	return func(context.Context, string, []byte) (fileVerdict, error) {
		if err == nil {
			panic("injected")
		}
		return fileVerdict{}, err
	}
}

// TestErrorsKeepOriginal covers the doubt rule: every way of not fully
// handling a message gives action error with the original bytes.
func TestErrorsKeepOriginal(t *testing.T) {
	infected := golden(t, "attachment-7bit-lf")
	deep := []byte(strings.Repeat("Content-Type: message/rfc822\n\n", mailmime.MaxDepth+2) + "x\n")
	limited := scan.DefaultOptions()
	limited.Limits.MaxFileSize = 10
	tempfail := testPolicy()
	tempfail.Unscannable = OnUnscannableTempfail
	closed := openStore(t)
	closed.Close()
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		s    *Scanner
		ctx  context.Context
		msg  []byte
		env  Envelope
		want error
	}{
		{"no quarantine", NewScanner(testEngine(), testPolicy(), nil), nil, infected, Envelope{}, ErrNoStore},
		{"no quarantine to delete into", NewScanner(testEngine(), testPolicy(), nil), nil, golden(t, "partial"), Envelope{}, ErrNoStore},
		{"quarantine write fails", NewScanner(testEngine(), testPolicy(), closed), nil, infected, Envelope{}, ErrQuarantine},
		{"detector fails", NewScanner(testEngine(), testPolicy(), openStore(t)), nil, bytes.Replace(infected, []byte("invoice.exe\"\nContent-Transfer-Encoding: base64\n\n"), []byte("invoice.exe\"\n\nDETECT-FAIL\n"), 1), Envelope{}, ErrScan},
		{"engine error", &Scanner{policy: testPolicy(), scan: failingScan(errDetect), store: openStore(t)}, nil, infected, Envelope{}, ErrScan},
		{"scan limit, policy tempfail", NewScanner(scan.New(fakeDetector{}, limited), tempfail, openStore(t)), nil, infected, Envelope{}, ErrUnscannable},
		{"parse limit", NewScanner(testEngine(), testPolicy(), openStore(t)), nil, deep, Envelope{}, ErrParse},
		{"canceled", NewScanner(testEngine(), testPolicy(), openStore(t)), canceled, infected, Envelope{}, context.Canceled},
		{"bad direction", NewScanner(testEngine(), testPolicy(), openStore(t)), nil, infected, Envelope{Direction: "sideways"}, ErrInput},
		{"panic", &Scanner{policy: testPolicy(), scan: failingScan(nil), store: openStore(t)}, nil, infected, Envelope{}, ErrInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			orig := bytes.Clone(tt.msg)
			o, err := tt.s.Process(ctx, tt.msg, tt.env)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if o == nil || o.Action != Error || !bytes.Equal(o.Message, orig) || len(o.Reasons) != 1 {
				t.Fatalf("outcome = %+v, want error with the original", o)
			}
		})
	}
}

func zipBytes(t testing.TB, files ...[2]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create(f[0])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(f[1]))
	}
	zw.Close()
	return buf.Bytes()
}

// mailWith builds a multipart/mixed message with a text body and the given
// attachments (name, content).
func mailWith(text string, atts ...[2]string) []byte {
	var b strings.Builder
	b.WriteString("From: a@example.org\nTo: b@example.edu\nSubject: t\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"XX\"\n\n--XX\nContent-Type: text/plain\n\n" + text + "\n")
	for _, a := range atts {
		fmt.Fprintf(&b, "--XX\nContent-Type: application/octet-stream; name=\"%s\"\nContent-Transfer-Encoding: base64\n\n%s\n",
			a[0], base64.StdEncoding.EncodeToString([]byte(a[1])))
	}
	b.WriteString("--XX--\n")
	return []byte(b.String())
}

func TestPolicyRules(t *testing.T) {
	noClean := testPolicy()
	noClean.Clean = false
	text := testPolicy()
	text.ScanText = true
	noPartial := testPolicy()
	noPartial.DeletePartial = false
	allowEnc := testPolicy()
	allowEnc.BlockEncrypted = false
	mixed := zipBytes(t, [2]string{"ok.txt", "fine"}, [2]string{"bad.txt", "MARKER-A"})
	var members [][2]string
	for i := 0; i < 99; i++ {
		members = append(members, [2]string{fmt.Sprint("m", i), "x"})
	}
	atts := func(n int) [][2]string {
		var a [][2]string
		for i := 0; i < n; i++ {
			a = append(a, [2]string{fmt.Sprint("f", i, ".bin"), "clean"})
		}
		return a
	}
	tests := []struct {
		name    string
		p       Policy
		msg     []byte
		action  Action
		finding string // action of the first finding
	}{
		{"99 attachments pass", testPolicy(), mailWith("hi", atts(99)...), Deliver, ""},
		{"100 attachments delete", testPolicy(), mailWith("hi", atts(100)...), Delete, MailDeleted},
		{"limit off", func() Policy { p := testPolicy(); p.MaxAttachments = 0; return p }(), mailWith("hi", atts(100)...), Deliver, ""},
		{"99 members pass", testPolicy(), mailWith("hi", [2]string{"m.zip", string(zipBytes(t, members...))}), Deliver, ""},
		{"100 members removed", testPolicy(), mailWith("hi", [2]string{"m.zip", string(zipBytes(t, append(members, [2]string{"last", "x"})...))}), Rewrite, Removed},
		{"a PDF's streams are not archive members", testPolicy(), mailWith("hi", [2]string{"big.pdf", manyStreamsPDF(150)}), Deliver, ""},
		{"cleanable", testPolicy(), mailWith("hi", [2]string{"a.zip", string(mixed)}), Rewrite, Cleaned},
		{"cleaning off", noClean, mailWith("hi", [2]string{"a.zip", string(mixed)}), Rewrite, Removed},
		{"text not scanned", testPolicy(), mailWith("MARKER-A in text"), Deliver, ""},
		{"text scanned when asked", text, mailWith("MARKER-A in text"), Rewrite, Removed},
		{"partial kept when rule off", noPartial, golden(t, "partial"), Deliver, ""},
		{"encrypted allowed when rule off", allowEnc, golden(t, "encrypted-zip"), Deliver, ""},
		{"tar cleaned", testPolicy(), mailWith("hi", [2]string{"a.tar", string(tarBytes(t))}), Rewrite, Cleaned},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, q := newTestScanner(t, tt.p)
			o, err := s.Process(context.Background(), tt.msg, Envelope{})
			if err != nil {
				t.Fatal(err)
			}
			if o.Action != tt.action {
				t.Fatalf("action %s %v, want %s", o.Action, o.Findings, tt.action)
			}
			if tt.finding == "" {
				if len(o.Findings) != 0 {
					t.Fatalf("findings %v", o.Findings)
				}
				return
			}
			if len(o.Findings) == 0 || o.Findings[0].Action != tt.finding {
				t.Fatalf("findings %+v, want %s", o.Findings, tt.finding)
			}
			if _, _, err := q.Get(o.Findings[0].Quarantine); err != nil {
				t.Fatalf("original not in quarantine: %v", err)
			}
		})
	}
}

// manyStreamsPDF is a PDF of n objects with a stream each.
func manyStreamsPDF(n int) string {
	var b strings.Builder
	b.WriteString("%PDF-1.4\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%d 0 obj << /Length 1 >> stream\nx\nendstream endobj\n", i)
	}
	return b.String()
}

func tarBytes(t testing.TB) []byte {
	var buf bytes.Buffer
	// A tar with one clean and one infected member.
	writeTar(t, &buf, map[string]string{"clean.txt": "fine", "evil.txt": "MARKER-B"})
	return buf.Bytes()
}

// TestCleanedArchiveContent checks the rebuilt archive itself: infected
// member gone, the others byte-identical, the original in the quarantine.
func TestCleanedArchiveContent(t *testing.T) {
	orig := zipBytes(t, [2]string{"ok.txt", "fine"}, [2]string{"bad.txt", "MARKER-A"}, [2]string{"also.txt", "kept"})
	s, q := newTestScanner(t, testPolicy())
	o, err := s.Process(context.Background(), mailWith("hi", [2]string{"a.zip", string(orig)}), Envelope{})
	if err != nil || o.Action != Rewrite {
		t.Fatalf("%v %v", o.Action, err)
	}
	root, _ := mailmime.Parse(o.Message)
	var data []byte
	mailmime.Walk(root, func(p *mailmime.Part) error {
		if p.Filename == "a.zip" {
			data, _ = p.Decode()
		}
		return nil
	})
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if strings.Join(names, ",") != "ok.txt,also.txt" {
		t.Fatalf("members %v", names)
	}
	_, kept, err := q.Get(o.Findings[0].Quarantine)
	if err != nil || !bytes.Equal(kept, orig) {
		t.Fatalf("quarantined %d bytes, %v; want the original archive", len(kept), err)
	}
	if !strings.Contains(string(o.Message), "The file is cleaned.") {
		t.Fatal("no cleaned banner")
	}
}

// TestContentLengthDropped: an mbox Content-Length would cut a rewritten
// message short, so it goes; everything else in the header stays.
func TestContentLengthDropped(t *testing.T) {
	msg := withHeader(golden(t, "attachment-7bit-lf"), "Content-Length: 12", "X-Keep: yes")
	s, _ := newTestScanner(t, testPolicy())
	o, err := s.Process(context.Background(), msg, Envelope{})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(o.Message, []byte("Content-Length")) || !bytes.HasPrefix(o.Message, []byte("X-Keep: yes\nFrom: Alice")) {
		t.Fatalf("header:\n%s", o.Message[:200])
	}
}

// TestBannerCharsets: the banner goes into the body in its charset when it
// can be represented, else into a new part.
func TestBannerCharsets(t *testing.T) {
	tests := []struct {
		charset, cte, file string
		inBody             bool
	}{
		{"us-ascii", "7bit", "a.exe", true},
		{"us-ascii", "7bit", "ä.exe", false},
		{"iso-8859-1", "8bit", "ä.exe", true},
		{"iso-8859-1", "8bit", "ж.exe", false},
		{"koi8-r", "quoted-printable", "ж.exe", true},
		{"iso-2022-jp", "7bit", "a.exe", true},
		{"utf-16le", "base64", "a.exe", false},
		{"x-unknown", "7bit", "a.exe", false},
		{"utf-8", "x-uuencode", "a.exe", false},
	}
	for _, tt := range tests {
		t.Run(tt.charset+"/"+tt.cte+"/"+tt.file, func(t *testing.T) {
			msg := fmt.Sprintf("To: b@example.edu\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"q\"\n\n--q\n"+
				"Content-Type: text/plain; charset=%s\nContent-Transfer-Encoding: %s\n\nBODY\n--q\n"+
				"Content-Type: application/octet-stream\nContent-Disposition: attachment; filename*=utf-8''%s\n\nMARKER-A\n--q--\n",
				tt.charset, tt.cte, urlEscape(tt.file))
			s, _ := newTestScanner(t, testPolicy())
			o, err := s.Process(context.Background(), []byte(msg), Envelope{})
			if err != nil || o.Action != Rewrite {
				t.Fatalf("%v %v", o.Action, err)
			}
			root, _ := mailmime.Parse(o.Message)
			first := root.Children[0]
			text, _ := first.Text()
			if got := first.Params["charset"] == tt.charset; got != tt.inBody {
				t.Fatalf("banner in original body = %v, want %v:\n%s", got, tt.inBody, o.Message)
			}
			if !strings.Contains(text, "Found virus Test.Marker.A in file "+tt.file) {
				t.Fatalf("first part does not read as the banner: %q", text)
			}
			if tt.inBody && !strings.HasSuffix(strings.TrimRight(text, "\n"), "BODY") && tt.cte != "x-uuencode" {
				t.Fatalf("body text lost: %q", text)
			}
		})
	}
}

func urlEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c < 0x80 && c != '%' && c != ' ' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// TestConcurrentProcess: one Scanner shared by goroutines gives each the
// same result as a lone call.
func TestConcurrentProcess(t *testing.T) {
	names := []string{"cleanable-zip", "two-findings", "qp-latin1-crlf", "single-part-zip", "partial"}
	s, _ := newTestScanner(t, testPolicy())
	want := map[string][]byte{}
	for _, n := range names {
		o, err := s.Process(context.Background(), golden(t, n), Envelope{})
		if err != nil {
			t.Fatal(err)
		}
		want[n] = o.Message
	}
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		for _, n := range names {
			wg.Add(1)
			go func() {
				defer wg.Done()
				o, err := s.Process(context.Background(), golden(t, n), Envelope{})
				if err != nil || !bytes.Equal(o.Message, want[n]) {
					t.Errorf("%s: concurrent result differs (%v)", n, err)
				}
			}()
		}
	}
	wg.Wait()
}

// TestHostileFileName: a file name cannot forge lines in the banner or
// expand into a placeholder.
func TestHostileFileName(t *testing.T) {
	msg := []byte("To: b@example.edu\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"q\"\n\n--q\n" +
		"Content-Type: text/plain\n\nhi\n--q\nContent-Type: application/octet-stream; name=\"=?utf-8?q?{QUARANTINE}=0D=0AX-Evil:_1.exe?=\"\n\nMARKER-A\n--q--\n")
	s, _ := newTestScanner(t, testPolicy())
	o, err := s.Process(context.Background(), msg, Envelope{})
	if err != nil || o.Action != Rewrite {
		t.Fatalf("%v %v", o.Action, err)
	}
	if got := o.Findings[0].Filename; got != "{QUARANTINE}??X-Evil: 1.exe" {
		t.Fatalf("filename %q", got)
	}
	if bytes.Contains(o.Message, []byte("\nX-Evil")) {
		t.Fatal("file name forged a line")
	}
	if !bytes.Contains(o.Message, []byte("in file {QUARANTINE}??X-Evil: 1.exe\n")) {
		t.Fatalf("placeholder in file name was expanded:\n%s", o.Message)
	}
}
