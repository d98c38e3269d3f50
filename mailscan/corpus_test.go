package mailscan

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sigtool/sigtool/mailmime"
	"github.com/sigtool/sigtool/scan"
	"github.com/sigtool/sigtool/sigfile"
	"github.com/sigtool/sigtool/unpack"
)

const corpusDir = "../../shared/corpus/mail"

// corpusMessage is one message of the shared corpus: a file, or one
// message of an mbox file.
type corpusMessage struct {
	name string // file relative to corpusDir, with "#n" for mbox messages
	data []byte
}

func corpusMessages(t testing.TB) []corpusMessage {
	t.Helper()
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	var out []corpusMessage
	err := filepath.WalkDir(corpusDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(corpusDir, path)
		if rel == "README.md" || rel == "INDEX.tsv" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if msgs := mailmime.SplitMbox(data); len(msgs) == 0 || msgs[0].FromLine == "" {
			out = append(out, corpusMessage{rel, data})
			return nil
		}
		for i, m := range mailmime.SplitMbox(data) {
			out = append(out, corpusMessage{fmt.Sprintf("%s#%d", rel, i+1), m.Message(data)})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// corpusTagged returns the corpus files whose INDEX.tsv features include tag.
func corpusTagged(t *testing.T, tag string) []string {
	f, err := os.Open(filepath.Join(corpusDir, "INDEX.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var files []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) >= 10 && slices.Contains(strings.Split(cols[9], ","), tag) {
			files = append(files, cols[0])
		}
	}
	return files
}

// TestCorpusDeliveredUnchanged runs every message of the shared corpus
// (391 files; every message of each mbox; the Maildir's files) through the
// default policy with a detector that finds nothing. Everything must be
// delivered byte for byte except what rules 5 and 7 catch: the
// message/partial files (exactly those INDEX.tsv tags "partial") are
// deleted, encrypted parts removed (listed below). The message with a
// truncated 7z (corpusDamaged) is delivered byte for byte too.
func TestCorpusDeliveredUnchanged(t *testing.T) {
	msgs := corpusMessages(t)
	s, _ := newTestScanner(t, testPolicy())
	var deleted, rewritten []string
	files := map[string]bool{}
	for _, m := range msgs {
		files[strings.SplitN(m.name, "#", 2)[0]] = true
		o, err := s.Process(context.Background(), m.data, Envelope{ID: m.name})
		if err != nil {
			t.Errorf("%s: %v", m.name, err)
			continue
		}
		switch o.Action {
		case Deliver:
			if !bytes.Equal(o.Message, m.data) {
				t.Errorf("%s: delivered bytes differ from the input", m.name)
			}
		case Delete:
			deleted = append(deleted, m.name)
			if o.Reasons[0] != reasonPartial {
				t.Errorf("%s: deleted for %v", m.name, o.Reasons)
			}
		case Rewrite:
			rewritten = append(rewritten, m.name)
			for _, f := range o.Findings {
				if f.Signature != s.policy.Names.Encrypted {
					t.Errorf("%s: unexpected finding %+v", m.name, f)
				}
			}
			if _, err := mailmime.Parse(o.Message); err != nil {
				t.Errorf("%s: rewritten message does not parse: %v", m.name, err)
			}
		default:
			t.Errorf("%s: action %s %v", m.name, o.Action, o.Reasons)
		}
	}
	if len(files) != 391 {
		t.Errorf("walked %d corpus files, want 391", len(files))
	}
	t.Logf("%d messages from %d files; deleted %v; rewritten %v", len(msgs), len(files), deleted, rewritten)
	wantDeleted := corpusTagged(t, "partial")
	slices.Sort(wantDeleted)
	if !slices.Equal(deleted, wantDeleted) {
		t.Errorf("deleted = %v\nwant the files tagged partial: %v", deleted, wantDeleted)
	}
	for _, enc := range corpusTagged(t, "encrypted") {
		if !slices.ContainsFunc(rewritten, func(r string) bool { return strings.HasPrefix(r, enc+"#") || r == enc }) {
			t.Errorf("%s is tagged encrypted but nothing was removed from it", enc)
		}
	}
	if !slices.Equal(rewritten, corpusEncrypted) {
		t.Errorf("rewritten = %v, want %v", rewritten, corpusEncrypted)
	}
}

// corpusEncrypted are the corpus messages rule 7 catches: S/MIME
// enveloped-data and PGP-encrypted parts.
// They all come from the one file INDEX.tsv tags "encrypted".
var corpusEncrypted = []string{
	"mimekit/mbox/content-length.mbox.txt#12",
	"mimekit/mbox/content-length.mbox.txt#15",
	"mimekit/mbox/content-length.mbox.txt#16",
	"mimekit/mbox/content-length.mbox.txt#17",
	"mimekit/mbox/content-length.mbox.txt#19",
	"mimekit/mbox/content-length.mbox.txt#21",
	"mimekit/mbox/content-length.mbox.txt#22",
}

// corpusDamaged is the corpus's one message with a damaged attachment:
// issue1189's Attachment.zip is a 7z of 3,750 bytes whose start header
// puts its directory 702,746 bytes in, so none of its members can be read
// by any reader. clamscan and clamd pass it as OK (ClamAV's 7z reader
// returns clean on a header it cannot read).
const corpusDamaged = "mimekit/mbox/issue1189.mbox.txt#2"

// TestCorpusDamaged: what an ISP operator gets for the corpus's one
// attachment nobody can open (the truncated 7z). By default the message
// is delivered byte for byte with X-Virus-Status: Clean, as clamd and
// clamav-milter pass it: the 7z's bytes were matched, there is nothing
// more in it to read, and holding clean real mail for it helps no one.
// With damaged_unscannable the policy's unscannable rule decides: remove
// (the recipient gets the sender's text and a note naming the quarantine
// ID, the quarantine holds the attachment's bytes as sent), deliver
// flagged, or tempfail.
func TestCorpusDamaged(t *testing.T) {
	var msg []byte
	for _, m := range corpusMessages(t) {
		if m.name == corpusDamaged {
			msg = m.data
		}
	}
	root, _ := mailmime.Parse(msg)
	var att []byte
	_ = mailmime.Walk(root, func(p *mailmime.Part) error {
		if p.Filename == "Attachment.zip" {
			att, _ = p.Decode()
		}
		return nil
	})
	if len(att) != 3750 {
		t.Fatalf("Attachment.zip: %d bytes, want the 3,750 sent", len(att))
	}
	t.Run("default", func(t *testing.T) {
		s, _ := newTestScanner(t, testPolicy())
		o, err := s.Process(context.Background(), msg, Envelope{})
		if err != nil || o.Action != Deliver || len(o.Findings) != 0 || !bytes.Equal(o.Message, msg) {
			t.Fatalf("%v %s %+v, want the message delivered unchanged", err, o.Action, o.Findings)
		}
		if st := o.Header[len(o.Header)-1]; st.Value != StatusClean {
			t.Fatalf("status field %+v, want %s", st, StatusClean)
		}
	})
	const name = "Policy.Unscannable.Corrupt"
	for _, choice := range []string{OnUnscannableRemove, OnUnscannableDeliver, OnUnscannableTempfail} {
		t.Run("damaged_unscannable/"+choice, func(t *testing.T) {
			p := testPolicy()
			p.Unscannable, p.DamagedUnscannable = choice, true
			s, q := newTestScanner(t, p)
			o, err := s.Process(context.Background(), msg, Envelope{})
			switch choice {
			case OnUnscannableRemove:
				if err != nil || o.Action != Rewrite || len(o.Findings) != 1 || o.Findings[0].Signature != name || o.Findings[0].Action != Removed {
					t.Fatalf("%v %s %+v, want %s removed", err, o.Action, o.Findings, name)
				}
				id := o.Findings[0].Quarantine
				if _, kept, err := q.Get(id); err != nil || !bytes.Equal(kept, att) {
					t.Fatalf("quarantine %s: %v; holds the attachment as sent: %v", id, err, bytes.Equal(kept, att))
				}
				for _, want := range []string{"Body of message 2.", "Attachment.zip is removed from here", id} {
					if !bytes.Contains(o.Message, []byte(want)) {
						t.Errorf("the delivered message lacks %q:\n%s", want, o.Message)
					}
				}
			case OnUnscannableDeliver:
				if err != nil || o.Action != Flag || !bytes.Equal(o.Message, msg) {
					t.Fatalf("%v %s, want the message flagged and unchanged", err, o.Action)
				}
				if st := o.Header[len(o.Header)-1]; st.Value != "Unscannable ("+name+")" {
					t.Fatalf("status field %+v", st)
				}
			case OnUnscannableTempfail:
				if !errors.Is(err, ErrUnscannable) || o.Action != Error || !bytes.Equal(o.Message, msg) {
					t.Fatalf("%v %s, want the original left to the MTA", err, o.Action)
				}
			}
		})
	}
}

// TestCorpusScanAgrees: `sigtool scan`'s walk (scan.ExpandMail, the
// same mailmime walk and the same limits as the policy's) meets no
// limit and no error in any corpus message; the truncated 7z is
// recorded as damage, not as a problem. (An HTML body quoting a forwarded
// header was once taken for mail, its headerless reading for itself, and
// nested to MaxRecursion; bare-CR mail was not taken for mail at all.)
func TestCorpusScanAgrees(t *testing.T) {
	eng := bypassEngine(t)
	var problems, damaged []string
	for _, m := range corpusMessages(t) {
		r, err := eng.Scan(context.Background(), m.name, unpack.Bytes(m.data), int64(len(m.data)))
		if err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		if p := r.Problem(); p != nil {
			problems = append(problems, m.name)
			t.Logf("%s: %v", m.name, p)
		}
		for n := range r.All() {
			if n.Damage != nil {
				damaged = append(damaged, m.name)
				break
			}
		}
	}
	if len(problems) > 0 {
		t.Errorf("scan finds problems in %v, want none", problems)
	}
	if !slices.Equal(damaged, []string{corpusDamaged}) {
		t.Errorf("scan finds damage in %v, want only %v", damaged, corpusDamaged)
	}
}

// TestOneSetOfLimits: the mail walk's limits are the scan limits
// (scan.MailLimits), the same for `sigtool scan`'s walk and the policy.
// A payload nested below MaxRecursion is found by both; one nested past
// it is reported by both, never passed as clean: an ERROR naming the
// limit from scan, an error (the MTA keeps the message) from the policy.
func TestOneSetOfLimits(t *testing.T) {
	nested := func(levels int) []byte {
		msg := "Content-Type: multipart/mixed; boundary=Y\n\n--Y\n" + att("a.exe") + "--Y--\n"
		for range levels {
			msg = "Content-Type: message/rfc822\n\nSubject: fwd\n" + msg
		}
		return []byte(top + "Content-Type: multipart/mixed; boundary=OUT\n\n--OUT\nContent-Type: text/plain\n\n" + senderText + "\n--OUT\n" + msg + "--OUT--\n")
	}
	m := compileSigs(t, map[sigfile.Kind][]string{sigfile.KindNDB: {bypassSig}})
	for _, maxRec := range []int{6, 17} {
		opts := scan.DefaultOptions()
		opts.Expand = scan.ExpandMail
		opts.Limits.MaxRecursion = maxRec
		eng := scan.New(m, opts)
		s := NewScanner(eng, testPolicy(), openStore(t))
		for _, levels := range []int{maxRec/2 - 2, maxRec + 2} {
			msg := nested(levels)
			r, err := eng.Scan(context.Background(), "mail.eml", unpack.Bytes(msg), int64(len(msg)))
			if err != nil {
				t.Fatal(err)
			}
			o, perr := s.Process(context.Background(), msg, Envelope{})
			deep := levels > maxRec
			var le *unpack.LimitError
			switch {
			case !deep && (!r.Infected() || o.Action != Rewrite):
				t.Errorf("max_recursion %d, %d levels: scan infected %v, policy %s %v; want both to find it", maxRec, levels, r.Infected(), o.Action, perr)
			case deep && (!errors.As(r.Problem(), &le) || le.Limit != unpack.LimitRecursion || le.Max != int64(maxRec)):
				t.Errorf("max_recursion %d, %d levels: scan's problem %v, want MaxRecursion %d", maxRec, levels, r.Problem(), maxRec)
			case deep && (o.Action != Error || !errors.Is(perr, mailmime.ErrTooDeep)):
				t.Errorf("max_recursion %d, %d levels: policy %s %v, want an error (too deep)", maxRec, levels, o.Action, perr)
			}
		}
	}
}
