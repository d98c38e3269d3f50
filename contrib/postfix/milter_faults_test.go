package postfix

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sigtool/sigtool/internal/postfixtest"
)

// chain is a sending Postfix ("edge") relaying to a gateway Postfix
// whose smtpd has our milter: what the gateway refuses with 4xx waits in
// the edge's deferred queue, as it would at the sending site.
type chain struct {
	ours          *sigupdated
	edge, gateway *postfixtest.Instance
}

func newChain(t *testing.T, quarantine string) *chain {
	t.Helper()
	postfixtest.Require(t)
	c := &chain{ours: newSigupdated(t, "", quarantine)}
	c.ours.start()
	c.gateway = postfixtest.Start(t, postfixtest.Config{
		Listeners: []*postfixtest.Listener{{Name: "in"}},
		Mailboxes: []string{"inbox"},
		Main:      milterMain(t, c.ours.addr),
	})
	c.edge = postfixtest.Start(t, postfixtest.Config{
		Hostname:  "edge.test",
		Listeners: []*postfixtest.Listener{{Name: "in"}},
		RelayTo:   c.gateway.Addr("in"),
	})
	return c
}

// faultMail is message seq of a fault run: mostly clean, some infected
// attachments and archives, a few message/partial, each made unique by
// its Message-ID so the quarantine can be checked message by message.
type faultMail struct {
	seq  int
	kind string // clean, infected-attachment, infected-archive, partial
	data []byte
}

func faultMails(t testing.TB, n int) []faultMail {
	run := runMails(t)
	var out []faultMail
	for i := range n {
		kind := "clean"
		switch {
		case i%25 == 11:
			kind = "partial"
		case i%10 == 3:
			kind = "infected-attachment"
		case i%10 == 7:
			kind = "infected-archive"
		}
		data := append([]byte(fmt.Sprintf("X-Seq: %d\n", i)), run[kind]...)
		data = bytes.Replace(data, []byte("@example.org>"), []byte(fmt.Sprintf("-%d@example.org>", i)), 1)
		out = append(out, faultMail{i, kind, data})
	}
	return out
}

// submit hands the messages to the edge, which accepts them at once.
func (c *chain) submit(t *testing.T, mails []faultMail) {
	t.Helper()
	s, err := postfixtest.Dial(c.edge.Addr("in"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, m := range mails {
		if err := s.Send(postfixtest.Envelope{From: fmt.Sprintf("seq-%d@client.test", m.seq), To: []string{"inbox@example.edu"}, Data: m.data}); err != nil {
			t.Fatalf("the edge refused message %d: %v", m.seq, err)
		}
	}
}

// settle flushes the edge until both queues are empty, and fails t when
// they are not after timeout.
func (c *chain) settle(t *testing.T, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !(c.edge.QueueEmpty() && c.gateway.QueueEmpty()) {
		if time.Now().After(deadline) {
			t.Fatalf("mail still queued after %v\nedge:\n%s\ngateway:\n%s", timeout, c.edge.Queue(), c.gateway.Queue())
		}
		c.edge.Flush()
		time.Sleep(500 * time.Millisecond)
	}
}

// check: every message delivered once as the policy says, or (a
// message/partial) not delivered and in the quarantine; none lost, none
// delivered unscanned.
func (c *chain) check(t *testing.T, mails []faultMail) {
	t.Helper()
	got := delivered(t, c.gateway, "inbox")
	run := runMails(t)
	_, cleanBody := postfixtest.Split(run["clean"])
	for _, m := range mails {
		from := fmt.Sprintf("seq-%d@client.test", m.seq)
		msg := got[from]
		h, body := postfixtest.Split(msg)
		st := strings.Join(postfixtest.Field(h, "X-Virus-Status"), "|")
		switch m.kind {
		case "partial":
			if msg != nil {
				t.Errorf("message %d (message/partial) was delivered", m.seq)
			}
			quarantined(t, c.ours, fmt.Sprintf("<partial-%d@example.org>", m.seq))
		case "clean":
			if msg == nil || !bytes.Equal(body, cleanBody) || st != "Clean" {
				t.Errorf("message %d (clean): delivered %v, status %q, body\n%s", m.seq, msg != nil, st, body)
			}
		default:
			if msg == nil || st != "Infected (Sigtool.Sample.Body-1)" || !bytes.Contains(msg, []byte("Virus Warning Message")) {
				t.Errorf("message %d (%s): delivered %v, status %q", m.seq, m.kind, msg != nil, st)
			}
		}
	}
	if extra := len(got) - countNot(mails, "partial"); extra != 0 {
		t.Errorf("%d messages delivered beyond those sent", extra)
	}
	out, _ := c.ours.sigtool("--db", filepath.Join(c.ours.dir, "sigtool.db"), "scan", c.gateway.MaildirPath("inbox"))
	if strings.Contains(out, "FOUND") || !strings.Contains(out, "Infected files: 0") {
		t.Errorf("something delivered holds a signature:\n%s", out)
	}
}

func countNot(mails []faultMail, kind string) int {
	n := 0
	for _, m := range mails {
		if m.kind != kind {
			n++
		}
	}
	return n
}

// TestMilterKill SIGKILLs the daemon while 100 messages go through:
// those in flight and those sent while it is down are refused with 4xx
// and wait in the sending Postfix's queue; after the restart every one
// arrives as the policy says, none twice, none unscanned.
func TestMilterKill(t *testing.T) {
	c := newChain(t, "")
	mails := faultMails(t, 100)
	c.submit(t, mails)
	for deadline := time.Now().Add(time.Minute); len(c.gateway.Maildir("inbox")) < 20; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("20 messages not delivered in a minute:\n%s", c.gateway.Log())
		}
	}
	c.ours.signal(syscall.SIGKILL)
	before := len(c.gateway.Maildir("inbox"))
	deferred := 0
	for deadline := time.Now().Add(30 * time.Second); deferred == 0 && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		deferred = c.edge.Count("deferred")
	}
	if deferred == 0 {
		t.Fatalf("with the milter killed, nothing waits in the sending queue:\nedge:\n%s\ngateway log:\n%s", c.edge.Queue(), c.gateway.Log())
	}
	t.Logf("killed after %d deliveries; %d messages deferred by the sender (4xx)", before, deferred)
	if !strings.Contains(c.edge.Queue(), "451 4.7.1") {
		t.Errorf("the deferred mail does not show the gateway's 4xx:\n%s", c.edge.Queue())
	}
	c.ours.start()
	c.settle(t, 2*time.Minute)
	c.check(t, mails)
}

// TestMilterFullDisk puts the quarantine on a full filesystem (a small
// tmpfs): clean mail is delivered; mail that needs the quarantine is
// refused with 4xx and waits in the sending queue, none delivered
// uncleaned; once there is room, every one arrives as the policy says.
func TestMilterFullDisk(t *testing.T) {
	postfixtest.Require(t)
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mnt).CombinedOutput(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("mount tmpfs: %v\n%s", err, out)
		}
		t.Skipf("cannot mount a tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", mnt).Run() })
	c := newChain(t, filepath.Join(mnt, "quarantine.db"))
	filler := filepath.Join(mnt, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	for _, err := f.Write(make([]byte, 4096)); err == nil; _, err = f.Write(make([]byte, 4096)) {
	}
	f.Close()

	mails := faultMails(t, 30)
	c.submit(t, mails)
	// While the disk is full: the sending queue holds what could not be
	// quarantined (bbolt still fits some items in pages it has), and
	// what arrived is clean, or cleaned with its original kept.
	idle := 0
	for deadline := time.Now().Add(time.Minute); idle < 5; time.Sleep(200 * time.Millisecond) {
		if c.edge.Count("maildrop", "incoming", "active") == 0 && c.gateway.Count("maildrop", "incoming", "active") == 0 {
			idle++
		} else {
			idle = 0
		}
		if time.Now().After(deadline) {
			t.Fatalf("the edge did not settle in a minute:\n%s", c.edge.Queue())
		}
	}
	deferred := c.edge.Count("deferred")
	if deferred == 0 || !strings.Contains(c.edge.Queue(), "451 4.7.1") {
		t.Fatalf("with the quarantine full, nothing was deferred with 4xx:\n%s\n%s", c.edge.Queue(), c.ours.log)
	}
	now := delivered(t, c.gateway, "inbox")
	for from, msg := range now {
		h, _ := postfixtest.Split(msg)
		st := strings.Join(postfixtest.Field(h, "X-Virus-Status"), "")
		if st != "Clean" && st != "Infected (Sigtool.Sample.Body-1)" {
			t.Errorf("%s delivered while the quarantine was full, status %q", from, st)
		}
	}
	t.Logf("quarantine full: %d delivered, %d deferred by the sender (4xx)", len(now), deferred)
	if !strings.Contains(c.ours.log.String(), "no space left on device") {
		t.Errorf("the daemon's log does not name the full disk:\n%s", c.ours.log)
	}
	os.Remove(filler)
	c.settle(t, 2*time.Minute)
	c.check(t, mails)
}
