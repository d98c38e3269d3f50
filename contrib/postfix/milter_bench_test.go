package postfix

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sigtool/sigtool/internal/postfixtest"
)

// loadMails are the load's 1,000 messages: the real corpus in turn, an
// infected attachment every 20th, an infected zip member every 20th, a
// message/partial every 50th (each with its own Message-ID).
func loadMails(t testing.TB, n int) [][]byte {
	run := runMails(t)
	corpus := corpusMails(t)
	var out [][]byte
	for i := range n {
		var m []byte
		switch {
		case i%50 == 25:
			m = bytes.Replace(run["partial"], []byte("<partial@"), []byte(fmt.Sprintf("<partial-%d@", i)), 1)
		case i%20 == 3:
			m = run["infected-attachment"]
		case i%20 == 13:
			m = run["infected-archive"]
		default:
			m = corpus[i%len(corpus)].data
		}
		out = append(out, m)
	}
	return out
}

// BenchmarkMilterVsClamavMilter sends 1,000 messages over 8 SMTP
// connections into Postfix with our milter, then into the same Postfix
// with Debian's clamav-milter (clamd on the same signatures), and counts
// every message (and, for the ceiling, the same Postfix with no milter):
// delivered (unchanged or rewritten), deleted by the
// policy (its original in the quarantine), held or refused. The rate is
// from the first MAIL FROM to the last message accounted for.
func BenchmarkMilterVsClamavMilter(b *testing.B) {
	postfixtest.Require(b)
	const total, conns = 1000, 8
	ours := newSigupdated(b, "", "")
	ours.start()
	clam := startClamavMilter(b)
	pf := postfixtest.Start(b, postfixtest.Config{
		Listeners: []*postfixtest.Listener{
			{Name: "plain", Options: []string{"smtpd_milters="}},
			{Name: "ours"},
			{Name: "clamav", Options: []string{"smtpd_milters=inet:" + clam.addr}},
		},
		Mailboxes: []string{"plain", "ours", "clamav"},
		Main:      milterMain(b, ours.addr),
	})
	mails := loadMails(b, total)
	type side struct {
		rate                                    float64
		delivered, deleted, held, refused, lost int
	}
	runSide := func(name string) side {
		var wg sync.WaitGroup
		var mu sync.Mutex
		refused := 0
		start := time.Now()
		for c := range conns {
			wg.Go(func() {
				s, err := postfixtest.Dial(pf.Addr(name))
				if err != nil {
					b.Error(err)
					return
				}
				defer s.Close()
				for i := c; i < total; i += conns {
					err := s.Send(postfixtest.Envelope{From: fmt.Sprintf("%s-%d@client.test", name, i), To: []string{name + "@example.edu"}, Data: mails[i]})
					if err != nil {
						mu.Lock()
						refused++
						mu.Unlock()
					}
				}
			})
		}
		wg.Wait()
		var r side
		for deadline := time.Now().Add(10 * time.Minute); ; time.Sleep(20 * time.Millisecond) {
			r = side{refused: refused, delivered: len(pf.Maildir(name)), held: pf.Count("hold")}
			if name == "ours" {
				r.deleted = wholeMessageDeletes(b, ours)
			}
			if r.delivered+r.deleted+r.held+r.refused >= total && pf.Count("incoming", "active", "deferred") == 0 {
				break
			}
			if time.Now().After(deadline) {
				break
			}
		}
		r.rate = float64(total) / time.Since(start).Seconds()
		r.lost = total - r.delivered - r.deleted - r.held - r.refused
		return r
	}
	for range b.N {
		p := runSide("plain")
		o := runSide("ours")
		c := runSide("clamav")
		if o.lost != 0 || o.refused != 0 {
			b.Errorf("ours: %d messages not accounted for, %d refused", o.lost, o.refused)
		}
		fmt.Printf("milter load (%d messages, %d SMTP connections, one Postfix 3.7): Postfix without a milter %.1f messages/s; ours %.1f messages/s (%d delivered, %d deleted by policy, %d refused, %d lost); "+
			"clamav-milter %.1f messages/s (%d delivered, %d held, %d refused, %d lost); ours/clamav-milter %.2fx\n",
			total, conns, p.rate, o.rate, o.delivered, o.deleted, o.refused, o.lost, c.rate, c.delivered, c.held, c.refused, c.lost, o.rate/c.rate)
		b.ReportMetric(o.rate, "ours-msgs/s")
		b.ReportMetric(c.rate, "clamav-milter-msgs/s")
	}
}

// wholeMessageDeletes counts the quarantine's records of deleted
// messages (as opposed to removed attachments).
func wholeMessageDeletes(tb testing.TB, d *sigupdated) int {
	out, err := d.sigtool("quarantine", "--quarantine", d.quarantine, "list", "--json")
	if err != nil {
		return 0
	}
	var items []struct {
		Records []struct{ Reason string } `json:"records"`
	}
	json.Unmarshal([]byte(out), &items)
	n := 0
	for _, it := range items {
		for _, r := range it.Records {
			if r.Reason == "partial" || r.Reason == "too-many-attachments" {
				n++
			}
		}
	}
	return n
}
