package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	gomilter "github.com/d--j/go-milter"

	"github.com/sigtool/sigtool/clamd"
	"github.com/sigtool/sigtool/internal/postfixtest"
)

// TestMaxScans drives the three front ends at once, the clamd socket,
// POST /v1/mailscan and the milter, against a daemon with max_scans = 2.
// First a MULTISCAN takes both slots (its files take the free ones); a
// request on each front end sent meanwhile must wait: it is answered
// only after the MULTISCAN's reply. Then 3 x 12 requests at once: every
// one is answered as it should be (none fails or times out), and the
// most scans the daemon ever ran at once is exactly max_scans.
func TestMaxScans(t *testing.T) {
	dir := t.TempDir()
	sigtool := sigtoolBinary(t)
	db, sock := filepath.Join(dir, "s.db"), filepath.Join(dir, "clamd.sock")
	hsb := filepath.Join(dir, "test.hsb")
	os.WriteFile(hsb, []byte("71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495:544:ClamAV-Test-File\n"), 0o644)
	if out, err := exec.Command(sigtool, "--db", db, "import", hsb).CombinedOutput(); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	milterAddr := fmt.Sprintf("127.0.0.1:%d", postfixtest.FreePort(t))
	cfg := filepath.Join(dir, "sigupdated.toml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("db = %q\nlisten = \"127.0.0.1:0\"\nmax_scans = 2\n[scan]\nunix_socket = %q\n[milter]\nlisten = \"inet:%s\"\nscan_timeout = \"5m\"\n",
		db, sock, milterAddr)), 0o644)
	cmd, logs, done := startDaemon(t, binary(t), "--config", cfg)
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
		}
	})
	line, _ := logs.waitFor(t, 0, 20*time.Second, "listening", "serves=metrics")
	web := "http://" + attr(line, "addr")
	logs.waitFor(t, 0, 20*time.Second, "listening", "serves=milter")
	logs.waitFor(t, 0, 20*time.Second, "listening", "serves=scan")

	rng := rand.New(rand.NewPCG(1, 2))
	blob := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	file := blob(1 << 20)
	msg := mailWith("data.bin", blob(512<<10))
	c, _ := clamd.NewClient(sock)
	c.Timeout = 5 * time.Minute
	ctx := context.Background()
	instream := func() error {
		r, err := c.Instream(ctx, bytes.NewReader(file))
		if err == nil && r != "stream: OK" {
			err = fmt.Errorf("INSTREAM: %q", r)
		}
		return err
	}
	mailscan := func() error {
		resp, err := http.Post(web+"/v1/mailscan?rcpt=b@example.edu", "message/rfc822", bytes.NewReader(msg))
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var rep clamd.MailReply
		json.Unmarshal([]byte(resp.Header.Get("Sigtool-Mailscan")), &rep)
		if resp.StatusCode != 200 || rep.Action != "deliver" {
			return fmt.Errorf("POST /v1/mailscan: %s, %+v", resp.Status, rep)
		}
		return nil
	}
	milter := func() error { return milterSend(milterAddr, msg) }

	// The MULTISCAN's directory: enough files to keep both slots busy
	// well past the moment the other requests arrive.
	tree := filepath.Join(dir, "tree")
	os.Mkdir(tree, 0o755)
	for i := range 200 {
		os.WriteFile(filepath.Join(tree, fmt.Sprintf("f%03d.bin", i)), blob(256<<10), 0o644)
	}
	var multiEnd time.Time
	multiDone := make(chan error, 1)
	go func() {
		r, err := c.Command(ctx, "MULTISCAN "+tree)
		multiEnd = time.Now()
		if err == nil && !strings.HasSuffix(r, ": OK") {
			err = fmt.Errorf("MULTISCAN: %q", r)
		}
		multiDone <- err
	}()
	for deadline := time.Now().Add(20 * time.Second); metric(t, web, "sigupdated_scans_in_flight") != 2; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("MULTISCAN never held both slots")
		}
	}
	sent := time.Now()
	ends := map[string]time.Time{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, f := range map[string]func() error{"INSTREAM": instream, "POST /v1/mailscan": mailscan, "milter": milter} {
		wg.Go(func() {
			if err := f(); err != nil {
				t.Errorf("%s beside the MULTISCAN: %v", name, err)
			}
			mu.Lock()
			ends[name] = time.Now()
			mu.Unlock()
		})
	}
	wg.Wait()
	if err := <-multiDone; err != nil {
		t.Fatal(err)
	}
	if !multiEnd.After(sent) {
		t.Fatalf("the MULTISCAN ended before the other requests were sent: too short to test with")
	}
	for name, end := range ends {
		if end.Before(multiEnd) {
			t.Errorf("%s was answered %v before the MULTISCAN that held every slot ended: it took no slot", name, multiEnd.Sub(end))
		}
	}
	t.Logf("MULTISCAN held both slots for %v after the others were sent", multiEnd.Sub(sent).Round(time.Millisecond))

	// Everything at once.
	var failed int
	for name, f := range map[string]func() error{"INSTREAM": instream, "POST /v1/mailscan": mailscan, "milter": milter} {
		for range 12 {
			wg.Go(func() {
				if err := f(); err != nil {
					mu.Lock()
					failed++
					mu.Unlock()
					t.Errorf("%s under load: %v", name, err)
				}
			})
		}
	}
	wg.Wait()
	if peak := metric(t, web, "sigupdated_scans_in_flight_peak"); peak != 2 || failed != 0 {
		t.Errorf("most scans at once %v, want max_scans = 2; %d of 36 requests failed", peak, failed)
	}
	if n := metric(t, web, "sigupdated_scans_in_flight"); n != 0 {
		t.Errorf("%v scans still in flight after every answer", n)
	}
}

// metric reads one unlabelled gauge from /metrics.
func metric(t *testing.T, web, name string) float64 {
	t.Helper()
	resp, err := http.Get(web + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	t.Fatalf("/metrics has no %s", name)
	return 0
}

// milterSend passes msg through the milter at addr as an MTA does and
// wants it accepted.
func milterSend(addr string, msg []byte) error {
	cl := gomilter.NewClient("tcp", addr, gomilter.WithReadTimeout(5*time.Minute))
	s, err := cl.Session(gomilter.NewMacroBag())
	if err != nil {
		return err
	}
	defer s.Close()
	if _, err := s.Conn("client.test", gomilter.FamilyInet, 25, "127.0.0.1"); err != nil {
		return err
	}
	if _, err := s.Helo("client.test"); err != nil {
		return err
	}
	if _, err := s.Mail("<a@example.org>", ""); err != nil {
		return err
	}
	if _, err := s.Rcpt("<b@example.edu>", ""); err != nil {
		return err
	}
	if _, err := s.DataStart(); err != nil {
		return err
	}
	i := bytes.Index(msg, []byte("\r\n\r\n"))
	h, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(msg[:i+4]))).ReadMIMEHeader()
	if err != nil {
		return err
	}
	for k, vs := range h {
		for _, v := range vs {
			if _, err := s.HeaderField(k, v, nil); err != nil {
				return err
			}
		}
	}
	if _, err := s.HeaderEnd(); err != nil {
		return err
	}
	_, act, err := s.BodyReadFrom(bytes.NewReader(msg[i+4:]))
	if err != nil {
		return err
	}
	if act.Type != gomilter.ActionAccept && act.Type != gomilter.ActionContinue {
		return fmt.Errorf("milter: action %v (%s)", act.Type, act.SMTPReply)
	}
	return nil
}
