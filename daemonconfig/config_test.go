package daemonconfig

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/sigtool/sigtool/feeds"
)

const goodConfig = `
db = "/var/lib/sigtool/sigtool.db"
listen = "127.0.0.1:9101"
checks_per_day = 12
serve_mirror = "127.0.0.1:8080"
connect_timeout = "10s"
read_idle_timeout = 45
user_agent = "sigupdated/1.0 (site: example)"
proxy = "http://proxy.example:3128"

[scan]
unix_socket = "/run/sigtool/clamd.sock"
tcp = "3310"
stream_max_length = "25M"
scan_roots = ["/var/spool"]
disable_commands = ["SHUTDOWN"]

[mail]
quarantine = "/var/lib/sigtool/q.db"
quarantine_retention = "30d"

[[feed]]
name = "clamav"
type = "clamav"
mirrors = ["https://database.clamav.net", "http://mirror.example/clamav/"]
databases = ["main", "daily"]

[[feed]]
name = "ours"
type = "native"
mirrors = ["https://feeds.example/ours/"]
public_key = "Gb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE="

[[feed]]
name = "thirdparty"
type = "files"
urls = ["https://example.org/sigs/foo.hdb", "https://example.org/sigs/bar.ndb"]
`

func TestParse(t *testing.T) {
	c, err := Parse([]byte(goodConfig))
	if err != nil {
		t.Fatal(err)
	}
	if c.DB != "/var/lib/sigtool/sigtool.db" || c.Listen != "127.0.0.1:9101" || c.ChecksPerDay != 12 || c.ServeMirror != "127.0.0.1:8080" || c.Proxy != "http://proxy.example:3128" {
		t.Errorf("top level %+v", c)
	}
	if c.ConnectTimeout.Duration != 10*time.Second || c.ReadIdleTimeout.Duration != 45*time.Second {
		t.Errorf("timeouts %v %v", c.ConnectTimeout, c.ReadIdleTimeout)
	}
	if c.Cooldown403.Duration != 24*time.Hour || c.Cooldown429.Duration != 4*time.Hour || c.MaxDownloadSize != feeds.DefaultMaxDownloadSize {
		t.Errorf("defaults not applied: %+v", c)
	}
	if len(c.Feeds) != 3 || c.Feeds[0].Databases[1] != "daily" || c.Feeds[2].URLs[1] != "https://example.org/sigs/bar.ndb" {
		t.Errorf("feeds %+v", c.Feeds)
	}
	if *c.UserAgent != "sigupdated/1.0 (site: example)" {
		t.Errorf("user_agent %q", *c.UserAgent)
	}
	s := c.Scan
	if s == nil || s.UnixSocket != "/run/sigtool/clamd.sock" || s.TCP != "127.0.0.1:3310" || s.StreamMaxLength != 25<<20 || !s.Disabled("SHUTDOWN") || s.Disabled("PING") {
		t.Fatalf("scan %+v", s)
	}
	// clamd.conf's defaults where the file says nothing.
	if s.MaxThreads != 10 || s.MaxQueue != 100 || s.CommandReadTimeout.Duration != 30*time.Second || s.ReadTimeout.Duration != 120*time.Second || s.SocketMode != "0660" {
		t.Errorf("scan defaults %+v", s)
	}
	if o := s.Options(); o.Limits.MaxFileSize != 100<<20 || o.Limits.MaxScanSize != 400<<20 || o.Limits.MaxFiles != 10000 || o.Limits.MaxRecursion != 17 || o.Expand == nil {
		t.Errorf("scan options %+v", o.Limits)
	}
	if c.Mail.QuarantinePath(c.DB) != "/var/lib/sigtool/q.db" {
		t.Errorf("quarantine %q", c.Mail.QuarantinePath(c.DB))
	}
	if c.Mail.QuarantineRetention.Duration != 30*24*time.Hour {
		t.Errorf("quarantine_retention %v", c.Mail.QuarantineRetention)
	}
	if q := (&Mail{}).QuarantinePath("/srv/s.db"); q != "/srv/s.quarantine.db" {
		t.Errorf("default quarantine %q", q)
	}
}

// A scan service alone is a whole configuration: the store may be fed by
// `sigtool import` or by another node.
func TestScanOnly(t *testing.T) {
	c, err := Parse([]byte("db = \"/x.db\"\n[scan]\nunix_socket = \"/tmp/s.sock\"\n"))
	if err != nil || len(c.Feeds) != 0 || c.Scan.UnixSocket != "/tmp/s.sock" || c.Scan.TCP != "" {
		t.Fatalf("%+v, %v", c, err)
	}
	if c, err := Parse([]byte("[[feed]]\nname = \"t\"\ntype = \"clamav\"\nmirrors = [\"http://127.0.0.1:1\"]\ndatabases = [\"test\"]\n")); err != nil || c.Scan != nil {
		t.Fatalf("without [scan]: %+v, %v", c, err)
	}
}

// Every validation error names the key at fault.
func TestErrors(t *testing.T) {
	base := "[[feed]]\nname = \"test\"\ntype = \"clamav\"\nmirrors = [\"http://127.0.0.1:1\"]\ndatabases = [\"test\"]\n"
	scan := func(lines string) string { return "[scan]\nunix_socket = \"/tmp/s\"\n" + lines + base }
	certless := t.TempDir()
	cases := []struct {
		name, text, key string
	}{
		{"unknown key", "colour = 1\n" + base, "colour"},
		{"typo in feed", strings.Replace(base, "mirrors", "mirror", 1), "feed.mirror"},
		{"nothing to do", "db = \"x\"\n", "feed"},
		{"checks_per_day", "checks_per_day = 100\n" + base, "checks_per_day"},
		{"serve_mirror", "serve_mirror = \"nonsense\"\n" + base, "serve_mirror"},
		{"listen", "listen = \"nonsense\"\n" + base, "listen"},
		{"proxy", "proxy = \"socks://x\"\n" + base, "proxy"},
		{"bad duration", "connect_timeout = \"soon\"\n" + base, "connect_timeout"},
		{"type", strings.Replace(base, `"clamav"`, `"freshclam"`, 1), "feed[0].type"},
		{"mirror scheme", strings.Replace(base, "http://127.0.0.1:1", "ftp://x", 1), "feed[0].mirrors[0]"},
		{"no databases", strings.Replace(base, `["test"]`, `[]`, 1), "feed[0].databases"},
		{"database name", strings.Replace(base, `["test"]`, `["../x"]`, 1), "feed[0].databases[0]"},
		{"feed name", strings.Replace(base, `name = "test"`, `name = "a b"`, 1), "feed[0].name"},
		{"duplicate feed", base + base, "feed[1].name"},
		{"store name clash", base + strings.Replace(base, `name = "test"`, `name = "other"`, 1), "feed[1]"},
		{"native key", "[[feed]]\nname = \"n\"\ntype = \"native\"\nmirrors = [\"http://x\"]\npublic_key = \"abc\"\n", "feed[0].public_key"},
		{"files urls", "[[feed]]\nname = \"f\"\ntype = \"files\"\nurls = []\n", "feed[0].urls"},
		{"files name", "[[feed]]\nname = \"f\"\ntype = \"files\"\nurls = [\"http://x/\"]\n", "feed[0].urls[0]"},
		{"require_sign without certs", "require_sign = true\n" + base, "certs_dir"},
		{"require_sign, empty certs dir", "require_sign = true\ncerts_dir = \"" + certless + "\"\n" + base, "certs_dir"},
		{"not toml", "[[feed]\n", "line 2"},
		{"scan without listener", "[scan]\nmax_threads = 4\n" + base, "scan"},
		{"relative socket", "[scan]\nunix_socket = \"clamd.sock\"\n" + base, "scan.unix_socket"},
		{"socket mode", scan("socket_mode = \"rw\"\n"), "scan.socket_mode"},
		{"socket group", scan("socket_group = \"no-such-group-here\"\n"), "scan.socket_group"},
		{"tcp port", scan("tcp = \"127.0.0.1:http\"\n"), "scan.tcp"},
		{"stream size", scan("stream_max_length = \"5X\"\n"), "scan.stream_max_length"},
		{"stream size over 4G", scan("stream_max_length = \"4G\"\n"), "scan.stream_max_length"},
		{"relative root", scan("scan_roots = [\"spool\"]\n"), "scan.scan_roots[0]"},
		{"threads", scan("max_threads = 0\nmax_queue = 1\n"), "scan.max_queue"},
		{"queue below threads", scan("max_threads = 20\nmax_queue = 5\n"), "scan.max_queue"},
		{"max_scans range", "max_scans = 2000\n" + base, "max_scans"},
		{"max_scans and max_threads differ", "max_scans = 4\n" + scan("max_threads = 8\n"), "scan.max_threads"},
		{"command", scan("disable_commands = [\"PING\"]\n"), "scan.disable_commands[0]"},
		{"unknown scan key", scan("LocalSocket = \"/x\"\n"), "scan.LocalSocket"},
		{"policy", "[mail]\npolicy = \"/nonexistent/policy.toml\"\n" + base, "mail.policy"},
		{"retention in minutes", "[mail]\nquarantine_retention = \"30m\"\n" + base, "mail.quarantine_retention"},
		{"retention not a duration", "[mail]\nquarantine_retention = \"a month\"\n" + base, "mail.quarantine_retention"},
		{"milter without listen", "[milter]\non_error = \"accept\"\n", "milter.listen"},
		{"milter listen kind", "[milter]\nlisten = \"tcp:127.0.0.1:7357\"\n", "milter.listen"},
		{"milter relative socket", "[milter]\nlisten = \"unix:milter.sock\"\n", "milter.listen"},
		{"milter port", "[milter]\nlisten = \"inet:127.0.0.1:smtp\"\n", "milter.listen"},
		{"milter on_error", "[milter]\nlisten = \"inet:7357\"\non_error = \"discard\"\n", "milter.on_error"},
		{"milter on_oversize", "[milter]\nlisten = \"inet:7357\"\non_oversize = \"truncate\"\n", "milter.on_oversize"},
		{"milter on_delete", "[milter]\nlisten = \"inet:7357\"\non_delete = \"accept\"\n", "milter.on_delete"},
		{"milter max_size", "[milter]\nlisten = \"inet:7357\"\nmax_size = 100\n", "milter.max_size"},
		{"milter policy", "[milter]\nlisten = \"inet:7357\"\npolicy = \"/nonexistent/p.toml\"\n", "milter.policy"},
		{"milter socket mode", "[milter]\nlisten = \"unix:/tmp/m.sock\"\nsocket_mode = \"999\"\n", "milter.socket_mode"},
		{"milter unknown key", "[milter]\nlisten = \"inet:7357\"\nOnInfected = \"Reject\"\n", "milter.OnInfected"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.text))
			var ce *Error
			if !errors.As(err, &ce) || !errors.Is(err, feeds.ErrConfig) {
				t.Fatalf("err %v, want an *Error", err)
			}
			if !strings.HasPrefix(ce.Key, c.key) {
				t.Errorf("key %q, want %q (%v)", ce.Key, c.key, err)
			}
		})
	}
}

// A milter alone is a whole configuration; its defaults are the safe
// answers (tempfail on doubt, discard what the policy deletes).
func TestMilter(t *testing.T) {
	c, err := Parse([]byte("[milter]\nlisten = \"inet:127.0.0.1:7357\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	m := c.Milter
	if m.OnError != "tempfail" || m.OnOversize != "tempfail" || m.OnDelete != "discard" || m.MaxSize != 100<<20 ||
		m.MaxHeaders != 10000 || m.ScanTimeout.Duration != 120*time.Second || m.SocketMode != "0660" {
		t.Errorf("defaults %+v", m)
	}
	c, err = Parse([]byte("[milter]\nlisten = \"unix:/run/sigtool/milter.sock\"\non_error = \"reject\"\nmax_size = \"25M\"\nscan_timeout = \"30s\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if m := c.Milter; m.OnOversize != "reject" || m.MaxSize != 25<<20 || m.ScanTimeout.Duration != 30*time.Second {
		t.Errorf("set %+v", m)
	}
	for listen, want := range map[string][2]string{
		"inet:127.0.0.1:7357":   {"tcp4", "127.0.0.1:7357"},
		"inet:7357":             {"tcp4", "127.0.0.1:7357"},
		"inet:7357@192.0.2.1":   {"tcp4", "192.0.2.1:7357"},
		"inet6:[::1]:7357":      {"tcp6", "[::1]:7357"},
		"unix:/run/m.sock":      {"unix", "/run/m.sock"},
		"local:/var/run/m.sock": {"unix", "/var/run/m.sock"},
	} {
		n, a, err := (&Milter{Listen: listen}).Network()
		if err != nil || n != want[0] || a != want[1] {
			t.Errorf("%s: %s %s %v, want %v", listen, n, a, err, want)
		}
	}
}

// TestMaxScans: one limit for every front end, max_scans, with clamd's
// max_threads as its other name; the default is clamd's MaxThreads.
func TestMaxScans(t *testing.T) {
	const milter = "[milter]\nlisten = \"inet:7357\"\n"
	const scan = "[scan]\nunix_socket = \"/tmp/s\"\n"
	for _, c := range []struct {
		name, text string
		want       int
	}{
		{"default", milter, DefaultMaxThreads},
		{"max_scans", "max_scans = 3\n" + milter + scan, 3},
		{"max_threads names it", scan + "max_threads = 5\n" + milter, 5},
		{"both, the same", "max_scans = 6\n" + scan + "max_threads = 6\n", 6},
	} {
		cfg, err := Parse([]byte(c.text))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if cfg.MaxScans != c.want || (cfg.Scan != nil && cfg.Scan.MaxThreads != c.want) {
			t.Errorf("%s: max_scans %d, [scan] max_threads %+v; want %d", c.name, cfg.MaxScans, cfg.Scan, c.want)
		}
	}
}

func TestLoadNamesFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sigupdated.toml")
	os.WriteFile(p, []byte("checks_per_day = 0.5\n"), 0o644)
	_, err := Load(p)
	if err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("err %v does not name the file", err)
	}
	missing := filepath.Join(t.TempDir(), "missing.toml")
	if _, err := Load(missing); !errors.Is(err, feeds.ErrConfig) || !strings.Contains(err.Error(), missing+" does not exist") {
		t.Fatalf("missing file: %v", err)
	}
	// require_sign with the test root passes.
	ok := "require_sign = true\ncerts_dir = \"../feeds/testdata/certs\"\n[[feed]]\nname = \"t\"\ntype = \"clamav\"\nmirrors = [\"http://127.0.0.1:1\"]\ndatabases = [\"test\"]\n"
	if _, err := Parse([]byte(ok)); err != nil {
		t.Fatal(err)
	}
}

// TestSize: sizes in the file are numbers of bytes or clamd.conf's
// K/M/G strings (the parsing itself is internal/bytesize's).
func TestSize(t *testing.T) {
	for text, want := range map[string]Size{"1048576": 1 << 20, `"100M"`: 100 << 20, `"64k"`: 64 << 10} {
		var v struct {
			S Size `toml:"s"`
		}
		if _, err := toml.Decode("s = "+text, &v); err != nil || v.S != want {
			t.Errorf("s = %s: %d, %v; want %d", text, v.S, err, want)
		}
	}
	for _, bad := range []string{`"10T"`, `-1`, `1.5`, `"1.5M"`} {
		var v struct {
			S Size `toml:"s"`
		}
		if _, err := toml.Decode("s = "+bad, &v); err == nil {
			t.Errorf("s = %s accepted", bad)
		}
	}
}

// TestREADMEDocumentsEveryKey: each key the file may hold appears in the
// README's configuration section as `key`.
func TestREADMEDocumentsEveryKey(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	var walk func(reflect.Type)
	walk = func(tp reflect.Type) {
		for i := range tp.NumField() {
			f := tp.Field(i)
			ft := f.Type
			for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
				ft = ft.Elem()
			}
			key := strings.Split(f.Tag.Get("toml"), ",")[0]
			if f.Anonymous {
				walk(ft)
				continue
			}
			if key == "" || key == "-" {
				continue
			}
			if !strings.Contains(readme, "`"+key+"`") && !strings.Contains(readme, "\n"+key+" = ") && !strings.Contains(readme, "["+key+"]") && !strings.Contains(readme, "[["+key+"]]") {
				t.Errorf("README does not document the key %q (%s.%s)", key, tp.Name(), f.Name)
			}
			if ft.Kind() == reflect.Struct && ft.PkgPath() != "time" && ft.Name() != "Duration" {
				walk(ft)
			}
		}
	}
	walk(reflect.TypeFor[Config]())
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(goodConfig))
	f.Add([]byte("[[feed]]\nname = \"test\"\ntype = \"clamav\"\nmirrors = [\"http://127.0.0.1:1\"]\ndatabases = [\"test\"]\n"))
	f.Add([]byte("connect_timeout = -5\n"))
	f.Add([]byte("[scan]\ntcp = \"3310\"\nstream_max_length = \"1K\"\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse(b)
		if err != nil {
			if !errors.Is(err, feeds.ErrConfig) {
				t.Fatalf("%v is not ErrConfig", err)
			}
			return
		}
		if (len(c.Feeds) == 0 && c.Scan == nil) || c.ChecksPerDay < 1 || c.ReadIdleTimeout.Duration <= 0 {
			t.Fatalf("accepted %+v", c)
		}
		if c.Scan != nil && (c.Scan.MaxThreads < 1 || c.Scan.StreamMaxLength <= 0 || c.Scan.ReadTimeout.Duration <= 0) {
			t.Fatalf("accepted scan %+v", c.Scan)
		}
	})
}

// TestLoadMissing: a missing file is a configuration error and
// fs.ErrNotExist, which sigtool's defaults read as "no daemon here".
func TestLoadMissing(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "none.toml"))
	if !errors.Is(err, feeds.ErrConfig) || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "none.toml does not exist") {
		t.Fatalf("Load of a missing file: %v", err)
	}
}
