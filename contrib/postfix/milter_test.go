package postfix

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sigtool/sigtool/internal/postfixtest"
)

// milterMain returns main.cf.milter's settings with the milter at addr.
func milterMain(t testing.TB, addr string) []string {
	t.Helper()
	b, err := os.ReadFile("main.cf.milter")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, strings.ReplaceAll(l, "127.0.0.1:7357", addr))
		}
	}
	return lines
}

// delivered is a Maildir's messages by envelope sender (Return-Path).
func delivered(t testing.TB, pf *postfixtest.Instance, box string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for name, msg := range pf.Maildir(box) {
		h, _ := postfixtest.Split(msg)
		rp := postfixtest.Field(h, "Return-Path")
		if len(rp) != 1 {
			t.Fatalf("%s/%s: Return-Path %q", box, name, rp)
		}
		from := strings.Trim(rp[0], "<>")
		if _, dup := out[from]; dup {
			t.Errorf("%s: %s delivered twice", box, from)
		}
		out[from] = msg
	}
	return out
}

// withoutTrace drops the fields a path adds on its own (Postfix's
// Received and delivery fields, the scanners' X-Virus-* fields), so what
// the sender wrote can be compared.
func withoutTrace(h []byte) []string {
	var keep []string
	names := postfixtest.Names(h)
	for _, n := range names {
		switch strings.ToLower(n) {
		case "received", "x-virus-scanned", "x-virus-status", "return-path", "delivered-to":
			continue
		}
		keep = append(keep, n)
	}
	return keep
}

func smtpCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	if err != nil {
		return -1
	}
	return 250
}

// TestMilterPostfix sends the sample messages and the real mail corpus
// over SMTP into one private Postfix, through three smtpd listeners: no
// milter (the reference for what Postfix itself delivers), our milter
// (main.cf.milter's settings), and Debian's clamav-milter with clamd on
// the same signatures. It checks what reaches each Maildir, lists and
// releases the quarantine while the daemon runs, and finally stops and
// freezes our daemon: Postfix must then answer 4xx, never accept.
func TestMilterPostfix(t *testing.T) {
	postfixtest.Require(t)
	ours := newSigupdated(t, "", "")
	ours.start()
	clam := startClamavMilter(t)
	pf := postfixtest.Start(t, postfixtest.Config{
		Listeners: []*postfixtest.Listener{
			{Name: "plain", Options: []string{"smtpd_milters="}},
			{Name: "ours"},
			{Name: "clamav", Options: []string{"smtpd_milters=inet:" + clam.addr}},
			// The frozen-milter check below waits for these timeouts.
			{Name: "ours-short", Options: []string{"milter_command_timeout=3s", "milter_content_timeout=3s"}},
		},
		Mailboxes: []string{"plain", "ours", "clamav"},
		Main:      milterMain(t, ours.addr),
	})

	run := runMails(t)
	corpus := corpusMails(t)
	codes := map[string]map[string]int{} // sender -> listener -> SMTP code
	send := func(listener string, msgs map[string][]byte) map[string]int {
		res := map[string]int{}
		s, err := postfixtest.Dial(pf.Addr(listener))
		if err != nil {
			t.Error(err)
			return res
		}
		defer s.Close()
		for from, data := range msgs {
			err := s.Send(postfixtest.Envelope{From: from, To: []string{listener + "@example.edu"}, Data: data})
			res[from] = smtpCode(err)
		}
		return res
	}
	msgs := map[string][]byte{}
	for n, b := range run {
		msgs["run-"+n+"@client.test"] = b
	}
	for i, m := range corpus {
		msgs[fmt.Sprintf("corpus-%d@client.test", i)] = m.data
	}
	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	// clamav-milter takes about 0.1 s a message (a clamd connection and
	// a temporary file each): it gets the samples and every third corpus
	// message, so the test stays short.
	sample := map[string][]byte{}
	for from, data := range msgs {
		var i int
		if _, err := fmt.Sscanf(from, "corpus-%d@", &i); err != nil || i%3 == 0 {
			sample[from] = data
		}
	}
	for _, l := range []string{"plain", "ours", "clamav"} {
		wg.Go(func() {
			t0 := time.Now()
			batch := msgs
			if l == "clamav" {
				batch = sample
			}
			res := send(l, batch)
			t.Logf("%s: %d messages in %v", l, len(res), time.Since(t0).Round(time.Millisecond))
			mu.Lock()
			defer mu.Unlock()
			for from, c := range res {
				if codes[from] == nil {
					codes[from] = map[string]int{}
				}
				codes[from][l] = c
			}
		})
	}
	wg.Wait()
	pf.WaitIdle(t, 2*time.Minute)
	t.Logf("%d messages through each of 3 paths in %v", len(msgs), time.Since(start).Round(time.Millisecond))
	plain, got, theirs := delivered(t, pf, "plain"), delivered(t, pf, "ours"), delivered(t, pf, "clamav")
	for from := range msgs {
		if codes[from]["plain"] != 250 || plain[from] == nil {
			t.Fatalf("%s: Postfix alone answered %d and delivered %v", from, codes[from]["plain"], plain[from] != nil)
		}
		if codes[from]["ours"] != 250 {
			t.Errorf("%s: our milter made Postfix answer %d", from, codes[from]["ours"])
		}
	}

	// The sample messages, each as the policy says.
	status := func(msg []byte) string {
		h, _ := postfixtest.Split(msg)
		return strings.Join(postfixtest.Field(h, "X-Virus-Status"), "|")
	}
	sameBody := func(a, b []byte) bool {
		_, ba := postfixtest.Split(a)
		_, bb := postfixtest.Split(b)
		return bytes.Equal(ba, bb)
	}
	sameHeader := func(a, b []byte) bool {
		ha, _ := postfixtest.Split(a)
		hb, _ := postfixtest.Split(b)
		return slices.Equal(withoutTrace(ha), withoutTrace(hb))
	}
	clean := got["run-clean@client.test"]
	if clean == nil || !sameBody(clean, plain["run-clean@client.test"]) || !sameHeader(clean, plain["run-clean@client.test"]) {
		t.Errorf("the clean message did not arrive unchanged:\n%s\nPostfix alone delivers:\n%s", clean, plain["run-clean@client.test"])
	}
	h, _ := postfixtest.Split(clean)
	if sc := postfixtest.Field(h, "X-Virus-Scanned"); len(sc) != 1 || !strings.HasPrefix(sc[0], "sigtool ") || !strings.Contains(sc[0], " (sample) at ") || status(clean) != "Clean" {
		t.Errorf("the clean message's trace fields: %q, %q", sc, status(clean))
	}
	arc := got["run-infected-archive@client.test"]
	if !bytes.Contains(arc, []byte("Found virus Sigtool.Sample.Body-1 in file")) || !bytes.Contains(arc, []byte("The file is cleaned.")) ||
		status(arc) != "Infected (Sigtool.Sample.Body-1)" || !sameHeaderBut(arc, plain["run-infected-archive@client.test"]) {
		t.Errorf("the infected archive was not cleaned with the banner:\n%s", arc)
	}
	att := got["run-infected-attachment@client.test"]
	if !bytes.Contains(att, []byte("is removed from here because it contains a virus")) || bytes.Contains(att, []byte("SIGTOOL-TEST-BODY-SIGNATURE")) ||
		status(att) != "Infected (Sigtool.Sample.Body-1)" {
		t.Errorf("the infected attachment was not replaced by the note:\n%s", att)
	}
	if p := got["run-partial@client.test"]; p != nil {
		t.Errorf("the message/partial arrived:\n%s", p)
	}
	// Nothing that arrived through our milter holds a signature.
	// (A file over a scan limit is an ERROR there, exit status 2.)
	scanOut, _ := ours.sigtool("--db", filepath.Join(ours.dir, "sigtool.db"), "scan", pf.MaildirPath("ours"))
	if strings.Contains(scanOut, "FOUND") || !strings.Contains(scanOut, "Infected files: 0") {
		t.Errorf("sigtool scan of what our milter delivered:\n%s", scanOut)
	}

	// The real corpus: every message passes byte for byte in its body,
	// with every field the sender wrote, except where a rule acts; and
	// the rules act exactly where `sigtool mailscan` (the pipe filter's
	// code) acts on the same messages as Postfix delivers them without
	// a milter: one policy, two front ends. (Postfix's own reading
	// counts: a message with bare CR line ends is one header line to it.)
	var asDelivered [][]byte
	for i := range corpus {
		asDelivered = append(asDelivered, plain[fmt.Sprintf("corpus-%d@client.test", i)])
	}
	pipe := pipeVerdicts(t, ours, asDelivered)
	var same, acted []string
	for i, m := range corpus {
		from := fmt.Sprintf("corpus-%d@client.test", i)
		o, p := got[from], plain[from]
		want := pipe[i]
		switch {
		case want == "deliver" && o != nil && sameBody(o, p) && sameHeader(o, p) && status(o) == "Clean":
			same = append(same, m.name)
		case (want == "rewrite" || want == "flag") && o != nil && status(o) != "Clean" && status(o) != "":
			acted = append(acted, m.name+" (rewritten)")
		case want == "delete" && o == nil:
			acted = append(acted, m.name+" (deleted)")
		default:
			t.Errorf("%s: sigtool mailscan says %s; through the milter, status %q:\n%s\nPostfix alone delivers:\n%s", m.name, want, status(o), o, p)
		}
	}
	t.Logf("corpus: %d of %d byte for byte in body and sender's fields; rules acted on %d, as sigtool mailscan does: %s", len(same), len(corpus), len(acted), strings.Join(acted, ", "))

	// The quarantine, listed and released while the daemon runs.
	q, err := ours.sigtool("quarantine", "--quarantine", ours.quarantine, "list")
	if err != nil || !strings.Contains(q, "Policy.Partial") || !strings.Contains(q, "Sigtool.Sample.Body-1") {
		t.Fatalf("sigtool quarantine list: %v\n%s", err, q)
	}
	partialID := quarantined(t, ours, "<partial@example.org>")
	rel := filepath.Join(t.TempDir(), "released.eml")
	if out, err := ours.sigtool("quarantine", "--quarantine", ours.quarantine, "release", partialID, "--out", rel); err != nil {
		t.Fatalf("release: %v\n%s", err, out)
	}
	if b, _ := os.ReadFile(rel); !bytes.Contains(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")), bytes.TrimSpace(run["partial"])) {
		t.Errorf("the released message is not the one sent:\n%s", b)
	}

	// clamav-milter on the same messages, for the README's comparison.
	var report strings.Builder
	fmt.Fprintf(&report, "| message | ours | clamav-milter |\n|---|---|---|\n")
	for _, n := range []string{"clean", "infected-archive", "infected-attachment", "partial"} {
		from := "run-" + n + "@client.test"
		fmt.Fprintf(&report, "| %s | %s | %s |\n", n, outcome(codes[from]["ours"], got[from], status), outcome(codes[from]["clamav"], theirs[from], status))
	}
	theirSame, theirSent := 0, 0
	for i := range corpus {
		from := fmt.Sprintf("corpus-%d@client.test", i)
		if _, ok := sample[from]; ok {
			theirSent++
			if o := theirs[from]; o != nil && sameBody(o, plain[from]) {
				theirSame++
			}
		}
	}
	fmt.Fprintf(&report, "| corpus (real clean mail) | %d of %d body unchanged | %d of %d body unchanged |\n", len(same), len(corpus), theirSame, theirSent)
	fmt.Fprintf(&report, "\nheld in Postfix's hold queue (clamav-milter's OnInfected Quarantine): %d\n", pf.Count("hold"))
	t.Logf("what reached the Maildir:\n%s", report.String())

	// A stopped milter, then a frozen one: Postfix answers 4xx, the
	// sender keeps the message.
	ours.signal(syscall.SIGTERM)
	err = postfixtest.Send(pf.Addr("ours"), postfixtest.Envelope{From: "stopped@client.test", To: []string{"ours@example.edu"}, Data: run["clean"]})
	if c := smtpCode(err); c/100 != 4 {
		t.Errorf("milter stopped: Postfix answered %d (%v), want 4xx", c, err)
	}
	ours.start()
	ours.signal(syscall.SIGSTOP)
	err = postfixtest.Send(pf.Addr("ours-short"), postfixtest.Envelope{From: "frozen@client.test", To: []string{"ours@example.edu"}, Data: run["clean"]})
	ours.signal(syscall.SIGCONT)
	if c := smtpCode(err); c/100 != 4 {
		t.Errorf("milter not answering: Postfix answered %d (%v), want 4xx", c, err)
	}
	pf.WaitIdle(t, time.Minute)
	for _, from := range []string{"stopped@client.test", "frozen@client.test"} {
		if delivered(t, pf, "ours")[from] != nil {
			t.Errorf("%s was delivered", from)
		}
	}
}

// sameHeaderBut reports whether a rewritten message kept every field of
// the sender's header, in order, but the MIME fields a rewrite may change.
func sameHeaderBut(a, b []byte) bool {
	drop := func(names []string) []string {
		return slices.DeleteFunc(names, func(n string) bool {
			n = strings.ToLower(n)
			return strings.HasPrefix(n, "content-") || n == "mime-version"
		})
	}
	ha, _ := postfixtest.Split(a)
	hb, _ := postfixtest.Split(b)
	return slices.Equal(drop(withoutTrace(ha)), drop(withoutTrace(hb)))
}

// outcome says in a table cell what became of one message.
func outcome(code int, msg []byte, status func([]byte) string) string {
	switch {
	case code != 250:
		return fmt.Sprintf("SMTP %d", code)
	case msg == nil:
		return "accepted, not delivered"
	case bytes.Contains(msg, []byte("Virus Warning Message")):
		return "delivered with banner; X-Virus-Status: " + status(msg)
	}
	return "delivered; X-Virus-Status: " + cmp.Or(status(msg), "(none)")
}

// quarantined returns the ID of the quarantined item with a record for
// Message-ID id, listed with `sigtool quarantine list --json`.
func quarantined(t testing.TB, d *sigupdated, id string) string {
	t.Helper()
	out, err := d.sigtool("quarantine", "--quarantine", d.quarantine, "list", "--json")
	if err != nil {
		t.Fatalf("quarantine list: %v\n%s", err, out)
	}
	var items []struct {
		ID      string `json:"id"`
		Records []struct {
			MessageID string `json:"message_id"`
		} `json:"records"`
	}
	if err := json.Unmarshal([]byte(out), &items); err != nil {
		t.Fatalf("quarantine list --json: %v\n%s", err, out)
	}
	for _, it := range items {
		for _, r := range it.Records {
			if r.MessageID == id {
				return it.ID
			}
		}
	}
	t.Fatalf("no quarantined item for %s:\n%s", id, out)
	return ""
}

// pipeVerdicts runs `sigtool mailscan --json` (the pipe filter's code)
// over the corpus, on its own quarantine: the action for each message.
func pipeVerdicts(t testing.TB, d *sigupdated, corpus [][]byte) []string {
	t.Helper()
	dir := t.TempDir()
	args := []string{"--db", filepath.Join(d.dir, "sigtool.db"), "mailscan", "--json", "--quarantine", filepath.Join(dir, "q.db"), "--out", filepath.Join(dir, "out")}
	os.Mkdir(filepath.Join(dir, "out"), 0o755)
	for i, m := range corpus {
		p := filepath.Join(dir, fmt.Sprintf("%04d.eml", i))
		if err := os.WriteFile(p, m, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
	}
	out, _ := exec.Command(bin(t, "sigtool"), args...).Output()
	verdicts := make([]string, len(corpus))
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var v struct{ Path, Action string }
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("sigtool mailscan --json: %v: %q", err, line)
		}
		var i int
		fmt.Sscanf(filepath.Base(v.Path), "%04d.eml", &i)
		verdicts[i] = v.Action
	}
	return verdicts
}
