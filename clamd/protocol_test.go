package clamd

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sigtool/sigtool/daemonconfig"
	"github.com/sigtool/sigtool/engine"
)

// protocolCases are requests and clamd's replies to them (protocol_clamd_test.go
// checks the same bytes against Debian's clamd). files is writeFiles' tree.
func protocolCases(files string) []struct{ name, req, want string } {
	inst := func(data []byte) string { return "zINSTREAM\x00" + string(chunks(data, 1000)) }
	return []struct{ name, req, want string }{
		{"z PING", "zPING\x00", "PONG\x00"},
		{"n PING", "nPING\n", "PONG\n"},
		{"old-style PING", "PING", "PONG\n"},
		{"old-style PING CRLF", "PING\r\n", "PONG\n"},
		{"unknown", "zPONG\x00", "UNKNOWN COMMAND\x00"},
		{"unknown n", "nHELLO\n", "UNKNOWN COMMAND\n"},
		{"trailing garbage", "zPING now\x00", "UNKNOWN COMMAND\x00"},
		{"missing argument", "zSCAN\x00", "UNKNOWN COMMAND\x00"},
		{"lower case", "zping\x00", "UNKNOWN COMMAND\x00"},
		{"END outside a session", "zEND\x00", "UNKNOWN COMMAND\x00"},
		{"INSTREAM needs a prefix", "INSTREAM\n", "UNKNOWN COMMAND\n"},
		{"IDSESSION needs a prefix", "IDSESSION\n", "UNKNOWN COMMAND\n"},
		{"STATS needs a prefix", "STATS\n", "UNKNOWN COMMAND\n"},
		{"VERSIONCOMMANDS needs a prefix", "VERSIONCOMMANDS\n", "UNKNOWN COMMAND\n"},
		{"ALLMATCHSCAN needs a prefix", "ALLMATCHSCAN " + files + "/virus.bin\n", "UNKNOWN COMMAND\n"},
		{"DETSTATS", "zDETSTATS\x00", ""},
		{"DETSTATSCLEAR", "nDETSTATSCLEAR\n", ""},
		{"SELFCHECK (newer than clamd 1.4)", "zSELFCHECK\x00", "DBUPTODATE\x00"},
		{"INSTREAM clean", inst(clean), "stream: OK\x00"},
		{"INSTREAM infected", inst(virus), "stream: Sigtool.Test.One-1 FOUND\x00"},
		{"INSTREAM empty", "zINSTREAM\x00\x00\x00\x00\x00", "stream: OK\x00"},
		{"INSTREAM n", "nINSTREAM\n" + string(chunks(virus, 7)), "stream: Sigtool.Test.One-1 FOUND\n"},
		// Damaged archives, as clamd judges them: on their bytes and the
		// members that could be read (a 7z cut before its directory).
		{"INSTREAM 7z", inst(fixture("virus-lzma.7z")), "stream: Sigtool.Test.One-1 FOUND\x00"},
		{"INSTREAM 7z without its directory", inst(withoutDirectory(fixture("virus-lzma.7z"))), "stream: OK\x00"},
		{"INSTREAM stored 7z without its directory", inst(withoutDirectory(fixture("virus-stored.7z"))), "stream: Sigtool.Test.One-1 FOUND\x00"},
		{"INSTREAM 0xffffffff", "zINSTREAM\x00\xff\xff\xff\xff", "INSTREAM size limit exceeded. ERROR\x00"},
		{"session", "zIDSESSION\x00zPING\x00" + inst(virus) + inst(clean) + "zPING\x00zEND\x00",
			"1: PONG\x002: stream: Sigtool.Test.One-1 FOUND\x003: stream: OK\x004: PONG\x00"},
		{"session n", "nIDSESSION\nnPING\nnEND\n", "1: PONG\n"},
		{"session refuses RELOAD", "zIDSESSION\x00zPING\x00zRELOAD\x00", "1: PONG\x002: Command invalid inside IDSESSION. ERROR\x00"},
		{"session refuses old style", "zIDSESSION\x00zPING\x00" + pause + "PING\n", "1: PONG\x002: Only nCMDS\\n and zCMDS\\0 are accepted inside IDSESSION. ERROR\x002: Error processing command. ERROR\x00"},
		{"session unknown", "zIDSESSION\x00zFOO\x00", "1: Command invalid inside IDSESSION. ERROR\x00"},
		{"SCAN clean", "zSCAN " + files + "/clean.txt\x00", files + "/clean.txt: OK\x00"},
		{"SCAN infected", "zSCAN " + files + "/virus.bin\x00", files + "/virus.bin: Sigtool.Test.One-1 FOUND\x00"},
		{"SCAN old style", "SCAN " + files + "/virus.bin", files + "/virus.bin: Sigtool.Test.One-1 FOUND\n"},
		{"SCAN empty", "zSCAN " + files + "/empty\x00", files + "/empty: OK\x00"},
		{"SCAN missing", "zSCAN " + files + "/nothing\x00", files + "/nothing: File path check failure: No such file or directory. ERROR\x00"},
		{"SCAN directory", "zSCAN " + files + "/sub\x00", files + "/sub/two.bin: Sigtool.Test.One-1 FOUND\x00"},
		{"CONTSCAN directory", "zCONTSCAN " + files + "\x00", files + "/sub/two.bin: Sigtool.Test.One-1 FOUND\x00" + files + "/virus.bin: Sigtool.Test.One-1 FOUND\x00"},
		{"CONTSCAN clean directory", "zCONTSCAN " + files + "/sub/clean2.txt\x00", files + "/sub/clean2.txt: OK\x00"},
		{"ALLMATCHSCAN", "zALLMATCHSCAN " + files + "/sub/two.bin\x00", files + "/sub/two.bin: Sigtool.Test.One-1 FOUND\x00" + files + "/sub/two.bin: Sigtool.Test.Two-2 FOUND\x00"},
		{"FILDES without a descriptor", "zFILDES\x00\x00", "No file descriptor received. ERROR\x00"},
	}
}

// TestProtocol runs every case on the Unix socket and, where clamd's
// reply does not depend on it, on TCP; the server keeps serving after each.
func TestProtocol(t *testing.T) {
	ts := startServer(t, nil)
	files := writeFiles(t)
	for _, c := range protocolCases(files) {
		t.Run(c.name, func(t *testing.T) {
			got := exchange(t, "unix", ts.unix, []byte(c.req), 10*time.Second)
			if c.name == "CONTSCAN directory" {
				got = sortedLines(got)
			}
			if string(got) != c.want {
				t.Errorf("unix: %q\n got %q\nwant %q", c.req, got, c.want)
			}
			if !strings.Contains(c.name, "FILDES") {
				if got := exchange(t, "tcp", ts.tcp, []byte(c.req), 10*time.Second); c.name != "CONTSCAN directory" && string(got) != c.want {
					t.Errorf("tcp: got %q, want %q", got, c.want)
				}
			}
			if p := exchange(t, "unix", ts.unix, []byte("zPING\x00"), 5*time.Second); string(p) != "PONG\x00" {
				t.Fatalf("after %s the server answers PING with %q", c.name, p)
			}
		})
	}
}

func sortedLines(b []byte) []byte {
	parts := strings.SplitAfter(string(b), "\x00")
	sort.Strings(parts)
	return []byte(strings.Join(parts, ""))
}

// The replies that carry our own facts: VERSION, VERSIONCOMMANDS, STATS,
// MULTISCAN (in any order), RELOAD and SHUTDOWN (no reply, the daemon's
// callbacks run).
func TestCommandsWithOurFacts(t *testing.T) {
	ts := startServer(t, nil)
	files := writeFiles(t)
	if v := exchange(t, "unix", ts.unix, []byte("zVERSION\x00"), 5*time.Second); !strings.HasPrefix(string(v), "sigtool test/1/") || !strings.HasSuffix(string(v), "\x00") || len(v) != len("sigtool test/1/Mon Jan _2 15:04:05 2006\x00") {
		t.Errorf("VERSION %q", v)
	}
	vc := string(exchange(t, "unix", ts.unix, []byte("nVERSIONCOMMANDS\n"), 5*time.Second))
	if !strings.HasPrefix(vc, "sigtool test/1/") || !strings.HasSuffix(vc, "| COMMANDS: SCAN QUIT RELOAD SELFCHECK PING CONTSCAN VERSIONCOMMANDS VERSION END SHUTDOWN MULTISCAN FILDES STATS IDSESSION INSTREAM DETSTATSCLEAR DETSTATS ALLMATCHSCAN MAILSCAN\n") {
		t.Errorf("VERSIONCOMMANDS %q", vc)
	}
	st := string(exchange(t, "unix", ts.unix, []byte("zIDSESSION\x00zSTATS\x00zEND\x00"), 5*time.Second))
	for _, want := range []string{"1: POOLS: 1\n\nSTATE: VALID PRIMARY\nTHREADS: live ", "max 10 idle-timeout 120\nQUEUE: ", "MEMSTATS: heap ", "\nEND\x00"} {
		if !strings.Contains(st, want) {
			t.Errorf("STATS %q lacks %q", st, want)
		}
	}
	ms := string(sortedLines(exchange(t, "unix", ts.unix, []byte("zMULTISCAN "+files+"\x00"), 10*time.Second)))
	if want := files + "/sub/two.bin: Sigtool.Test.One-1 FOUND\x00" + files + "/virus.bin: Sigtool.Test.One-1 FOUND\x00"; ms != want {
		t.Errorf("MULTISCAN %q, want %q", ms, want)
	}
	if r := exchange(t, "unix", ts.unix, []byte("zRELOAD\x00"), 5*time.Second); string(r) != "RELOADING\x00" || ts.reloads.Load() != 1 {
		t.Errorf("RELOAD %q, %d reloads", r, ts.reloads.Load())
	}
	for _, cmd := range []string{"zSHUTDOWN\x00", "QUIT"} {
		if r := exchange(t, "unix", ts.unix, []byte(cmd), 5*time.Second); len(r) != 0 {
			t.Errorf("%q answered %q", cmd, r)
		}
	}
	if ts.shutdowns.Load() != 2 {
		t.Errorf("%d shutdowns, want 2", ts.shutdowns.Load())
	}
}

func TestDisabledCommandsAndRoots(t *testing.T) {
	files := writeFiles(t)
	ts := startServer(t, func(c *daemonconfig.Scan) {
		c.DisableCommands = []string{"SHUTDOWN", "ALLMATCHSCAN"}
		c.ScanRoots = []string{files + "/sub"}
	})
	for req, want := range map[string]string{
		"zSHUTDOWN\x00": "COMMAND UNAVAILABLE\x00",
		"zALLMATCHSCAN " + files + "/sub/two.bin\x00": "COMMAND UNAVAILABLE\x00",
		"zSCAN " + files + "/virus.bin\x00":           files + "/virus.bin: Access denied. ERROR\x00",
		"zSCAN " + files + "/sub/../virus.bin\x00":    files + "/sub/../virus.bin: Access denied. ERROR\x00",
		"zSCAN " + files + "/sub/clean2.txt\x00":      files + "/sub/clean2.txt: OK\x00",
	} {
		if got := exchange(t, "unix", ts.unix, []byte(req), 5*time.Second); string(got) != want {
			t.Errorf("%q: %q, want %q", req, got, want)
		}
	}
	if ts.shutdowns.Load() != 0 {
		t.Error("a disabled SHUTDOWN ran")
	}
}

// TestBadInput: oversize streams, clients that stop or never send, stray
// descriptors; the server answers as clamd and keeps serving.
func TestBadInput(t *testing.T) {
	ts := startServer(t, func(c *daemonconfig.Scan) {
		c.StreamMaxLength = 1000
		c.CommandReadTimeout.Duration = 300 * time.Millisecond
		c.ReadTimeout.Duration = 300 * time.Millisecond
	})
	alive := func(what string) {
		t.Helper()
		if p := exchange(t, "tcp", ts.tcp, []byte("zPING\x00"), 5*time.Second); string(p) != "PONG\x00" {
			t.Fatalf("after %s: PING answered %q", what, p)
		}
	}
	// Over the limit in one chunk, and in the sum of small ones.
	if got := exchange(t, "tcp", ts.tcp, append([]byte("zINSTREAM\x00"), chunks(make([]byte, 1001), 2000)...), 5*time.Second); string(got) != "INSTREAM size limit exceeded. ERROR\x00" {
		t.Errorf("1001 bytes: %q", got)
	}
	if got := exchange(t, "tcp", ts.tcp, append([]byte("zINSTREAM\x00"), chunks(make([]byte, 1200), 100)...), 5*time.Second); string(got) != "INSTREAM size limit exceeded. ERROR\x00" {
		t.Errorf("1200 bytes in chunks: %q", got)
	}
	if got := exchange(t, "tcp", ts.tcp, append([]byte("zINSTREAM\x00"), chunks(make([]byte, 1000), 100)...), 5*time.Second); string(got) != "stream: OK\x00" {
		t.Errorf("exactly the limit: %q", got)
	}
	alive("oversize streams")
	for name, req := range map[string]string{
		"never sends":           "",
		"half a command":        "zPIN",
		"stops mid-chunk":       "zINSTREAM\x00\x00\x00\x01\x00abc",
		"stops in a length":     "zINSTREAM\x00\x00\x00",
		"stops between chunks":  "zINSTREAM\x00\x00\x00\x00\x03abc",
		"idle inside a session": "zIDSESSION\x00zPING\x00",
		"FILDES, no byte":       "zFILDES\x00",
	} {
		got := exchange(t, "unix", ts.unix, []byte(req), 5*time.Second)
		want := "COMMAND READ TIMED OUT\n"
		if name == "idle inside a session" {
			want = "1: PONG\x00" + want
		}
		if string(got) != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
		alive(name)
	}
	// A client that goes away mid-stream gets nothing and costs nothing.
	c, _ := net.Dial("tcp", ts.tcp)
	c.Write([]byte("zINSTREAM\x00\x00\x00\x10\x00abc"))
	c.Close()
	alive("a client gone mid-chunk")

	// A descriptor with another command, and a descriptor that is no file.
	if got := sendFD(t, ts.unix, "zPING\x00", nil); string(got) != "PROTOCOL ERROR: ancillary data sent without FILDES. ERROR\x00" {
		t.Errorf("stray descriptor: %q", got)
	}
	r, w, _ := os.Pipe()
	defer r.Close()
	defer w.Close()
	if got := sendFD(t, ts.unix, "zFILDES\x00", r); !strings.HasPrefix(string(got), "fd[") || !strings.HasSuffix(string(got), "]: Not a regular file ERROR\x00") {
		t.Errorf("FILDES of a pipe: %q", got)
	}
	alive("descriptors")
}

// sendFD sends cmd, then one byte carrying f (or a file of test data).
func sendFD(t *testing.T, sock, cmd string, f *os.File) []byte {
	t.Helper()
	if f == nil {
		p := filepath.Join(t.TempDir(), "v")
		os.WriteFile(p, virus, 0o644)
		var err error
		if f, err = os.Open(p); err != nil {
			t.Fatal(err)
		}
		defer f.Close()
	}
	c, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	data := []byte{0}
	if strings.Contains(cmd, "FILDES") {
		// As clamdscan does: the command, then the descriptor with a byte.
		c.Write([]byte(cmd))
	} else {
		// A stray descriptor arrives with the command itself: sent after
		// it, the server may have answered and closed before it came.
		data = []byte(cmd)
	}
	if _, _, err := c.WriteMsgUnix(data, syscall.UnixRights(int(f.Fd())), nil); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	out.ReadFrom(c)
	return out.Bytes()
}

func TestFildes(t *testing.T) {
	ts := startServer(t, nil)
	got := string(sendFD(t, ts.unix, "zFILDES\x00", nil))
	if !strings.HasPrefix(got, "fd[") || !strings.HasSuffix(got, "]: Sigtool.Test.One-1 FOUND\x00") {
		t.Errorf("FILDES: %q", got)
	}
	// Inside a session, with IDs.
	f, _ := os.Open(filepath.Join(writeFiles(t), "clean.txt"))
	defer f.Close()
	got = string(sendFD(t, ts.unix, "zIDSESSION\x00zPING\x00zFILDES\x00", f))
	if !strings.HasPrefix(got, "1: PONG\x002: fd[") || !strings.HasSuffix(got, "]: OK\x00") {
		t.Errorf("FILDES in a session: %q", got)
	}
}

// TestManyConnections: 1,000 clients at once, each with a stream; every
// one is answered (max_queue at a time, the rest wait in the backlog).
func TestManyConnections(t *testing.T) {
	ts := startServer(t, nil)
	const n = 1000
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for i := range n {
		wg.Go(func() {
			network, addr := "unix", ts.unix
			if i%2 == 1 {
				network, addr = "tcp", ts.tcp
			}
			data, want := clean, "stream: OK\x00"
			if i%3 == 0 {
				data, want = virus, "stream: Sigtool.Test.One-1 FOUND\x00"
			}
			c, err := net.DialTimeout(network, addr, 60*time.Second)
			if err != nil {
				errs <- err.Error()
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(90 * time.Second))
			if _, err := c.Write(append([]byte("zINSTREAM\x00"), chunks(data, 512)...)); err != nil {
				errs <- err.Error()
				return
			}
			var out bytes.Buffer
			out.ReadFrom(c)
			if out.String() != want {
				errs <- fmt.Sprintf("client %d: %q", i, out.String())
			}
		})
	}
	wg.Wait()
	close(errs)
	bad := 0
	for e := range errs {
		if bad++; bad <= 5 {
			t.Error(e)
		}
	}
	if bad > 0 {
		t.Fatalf("%d of %d connections failed", bad, n)
	}
	if p := exchange(t, "unix", ts.unix, []byte("zPING\x00"), 5*time.Second); string(p) != "PONG\x00" {
		t.Fatalf("after %d connections: %q", n, p)
	}
}

// A chunk length is read as big-endian, whatever the host.
func TestChunkEndianness(t *testing.T) {
	ts := startServer(t, nil)
	req := []byte("zINSTREAM\x00")
	req = binary.BigEndian.AppendUint32(req, uint32(len(virus)))
	req = append(append(req, virus...), 0, 0, 0, 0)
	if got := exchange(t, "tcp", ts.tcp, req, 5*time.Second); string(got) != "stream: Sigtool.Test.One-1 FOUND\x00" {
		t.Errorf("%q", got)
	}
}

// TestInstreamCleanCache: a clean stream sent again is answered from the
// clean cache (STATS counts it), an infected one is scanned every time,
// and a daemon with disable_cache scans every stream.
func TestInstreamCleanCache(t *testing.T) {
	for _, tc := range []struct {
		name       string
		disable    bool
		wantCached string
	}{
		{"cache on", false, " cached 2\n"},
		{"disable_cache", true, " cached 0\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, func(c *daemonconfig.Scan) { c.DisableCache = tc.disable })
			if tc.disable {
				// The test server compiles its own snapshot: give it the
				// option the daemon passes from disable_cache.
				ts.eng.p.Store(compileTestWith(t, sigFiles(), 1, engine.Options{CleanCache: ts.cfg.CleanCache()}))
			}
			for i, want := range []string{"stream: OK\x00", "stream: Sigtool.Test.One-1 FOUND\x00"} {
				data := clean
				if i == 1 {
					data = virus
				}
				for round := range 3 {
					if got := string(exchange(t, "unix", ts.unix, append([]byte("zINSTREAM\x00"), chunks(data, 100)...), 5*time.Second)); got != want {
						t.Errorf("stream %d, round %d: %q, want %q", i, round+1, got, want)
					}
				}
			}
			st := string(exchange(t, "unix", ts.unix, []byte("zSTATS\x00"), 5*time.Second))
			if !strings.Contains(st, "SCANS: 6 found 3 ") || !strings.Contains(st, tc.wantCached) {
				t.Errorf("STATS %q: want 6 scans, 3 found, %q", st, tc.wantCached)
			}
		})
	}
}
