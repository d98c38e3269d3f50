package clamd

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sigtool/sigtool/daemonconfig"
	"github.com/sigtool/sigtool/engine"
	"github.com/sigtool/sigtool/mailscan"
	"github.com/sigtool/sigtool/quarantine"
	"github.com/sigtool/sigtool/scan"
	"github.com/sigtool/sigtool/sigdb"
)

// Test content: a body signature matches virus, a second one alsoVirus
// (both in twoSigs), nothing matches clean.
var (
	virus     = []byte("MZ\x90\x00 our own test virus: SIGTOOL-CLAMD-TEST-BODY-ONE, nothing else\n")
	alsoVirus = []byte("SIGTOOL-CLAMD-TEST-BODY-TWO")
	twoSigs   = append(append([]byte("head "), virus...), alsoVirus...)
	clean     = bytes.Repeat([]byte("an ordinary clean line of text\n"), 100)
)

// sigFiles are the signatures, as files clamd reads too.
func sigFiles() []sigdb.File {
	ndb := fmt.Sprintf("Sigtool.Test.One-1:0:*:%s\nSigtool.Test.Two-2:0:*:%s\n",
		hex.EncodeToString([]byte("SIGTOOL-CLAMD-TEST-BODY-ONE")), hex.EncodeToString(alsoVirus))
	return []sigdb.File{{Name: "clamdtest.ndb", Data: []byte(ndb)}}
}

// fixedEngine serves one snapshot.
type fixedEngine struct {
	p atomic.Pointer[engine.Snapshot]
}

func (f *fixedEngine) Current() *engine.Snapshot { return f.p.Load() }

// compileTest builds a snapshot of files with the mail scanner.
func compileTest(t testing.TB, files []sigdb.File, version int) *engine.Snapshot {
	t.Helper()
	return compileTestWith(t, files, version, engine.Options{})
}

// compileTestWith is compileTest with opt's other fields.
func compileTestWith(t testing.TB, files []sigdb.File, version int, opt engine.Options) *engine.Snapshot {
	t.Helper()
	dir := t.TempDir()
	db, err := sigdb.Open(filepath.Join(dir, "s.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ReplaceFeed(context.Background(), sigdb.FeedMeta{Name: "test", Version: version}, files, sigdb.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	q, err := quarantine.OpenShared(filepath.Join(dir, "q.db"))
	if err != nil {
		t.Fatal(err)
	}
	sopt := scan.DefaultOptions()
	sopt.Expand = scan.ExpandMail
	opt.Scan = &sopt
	opt.Mail = func(e *scan.Engine) *mailscan.Scanner { return mailscan.NewScanner(e, mailscan.DefaultPolicy(), q) }
	snap, err := engine.CompileWith(context.Background(), db, opt)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// testServer is a server on a Unix socket and a TCP port.
type testServer struct {
	srv       *Server
	eng       *fixedEngine
	unix, tcp string
	cfg       *daemonconfig.Scan
	shutdowns atomic.Int64
	reloads   atomic.Int64
	cancel    context.CancelFunc
	t         testing.TB
}

func startServer(t testing.TB, edit func(*daemonconfig.Scan)) *testServer {
	t.Helper()
	dir := t.TempDir()
	text := fmt.Sprintf("[scan]\nunix_socket = %q\ntcp = \"127.0.0.1:0\"\n", filepath.Join(dir, "clamd.sock"))
	c, err := daemonconfig.Parse([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(c.Scan)
	}
	ts := &testServer{eng: &fixedEngine{}, cfg: c.Scan, t: t}
	ts.eng.p.Store(compileTest(t, sigFiles(), 1))
	ts.srv = New(c.Scan, Options{Engine: ts.eng, Version: "test",
		Reload: func() { ts.reloads.Add(1) }, Shutdown: func() { ts.shutdowns.Add(1) }, TempDir: dir})
	lns, err := ts.srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ts.cancel = cancel
	done := make(chan struct{}, len(lns))
	for _, ln := range lns {
		switch ln.Addr().Network() {
		case "unix":
			ts.unix = ln.Addr().String()
		default:
			ts.tcp = ln.Addr().String()
		}
		go func() { ts.srv.Serve(ctx, ln); done <- struct{}{} }()
	}
	t.Cleanup(func() {
		cancel()
		for range lns {
			<-done
		}
		ts.srv.Wait()
	})
	return ts
}

// exchange sends req on a new connection and reads until the server
// closes it (or d passes).
func exchange(t testing.TB, network, addr string, req []byte, d time.Duration) []byte {
	t.Helper()
	c, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(d))
	// pause splits a request into writes the server reads apart.
	for i, part := range bytes.Split(req, []byte(pause)) {
		if i > 0 {
			time.Sleep(300 * time.Millisecond)
		}
		if len(part) == 0 {
			continue
		}
		if _, err := c.Write(part); err != nil {
			t.Fatalf("write: %v", err)
		}
	}
	out, _ := io.ReadAll(c)
	return out
}

const pause = "\x01pause\x01"

// chunks frames data as INSTREAM chunks of at most n bytes, with the end.
func chunks(data []byte, n int) []byte {
	var b []byte
	for len(data) > 0 {
		k := min(n, len(data))
		b = binary.BigEndian.AppendUint32(b, uint32(k))
		b = append(b, data[:k]...)
		data = data[k:]
	}
	return append(b, 0, 0, 0, 0)
}

// writeFiles puts the test contents into a directory tree.
func writeFiles(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range map[string][]byte{"clean.txt": clean, "virus.bin": virus, "sub/two.bin": twoSigs, "sub/clean2.txt": clean, "empty": nil} {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// fixture is testdata/name (see testdata/README.md).
func fixture(name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		panic(err)
	}
	return b
}

// withoutDirectory is a 7z archive cut where its header (the directory of
// its members) begins, as a transfer cut short leaves it: its packed
// streams are whole, nothing says what they hold.
func withoutDirectory(sz []byte) []byte {
	// The start header: magic (6), version (2), CRC (4), then the next
	// header's offset from the end of the 32-byte start header.
	return sz[:32+binary.LittleEndian.Uint64(sz[12:20])]
}
