package daemonconfig

import (
	"bytes"
	"flag"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigtool/sigtool/clamconf"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestImportClamAV: each pair of ClamAV files becomes the configuration in
// its golden file, every directive is either mapped or named with a
// reason, and the result is a valid configuration.
func TestImportClamAV(t *testing.T) {
	for _, c := range []struct {
		name, fresh, clamd string
		notes              []string // substrings, one per note, in order
		secret             bool
	}{
		{name: "debian", fresh: "debian-freshclam.conf", clamd: "debian-clamd.conf",
			notes: []string{"socket /var/run/clamav/clamd.ctl is outside /run/sigtool", "adduser sigtool clamav"}},
		{name: "private", fresh: "private-freshclam.conf", clamd: "tcp-clamd.conf", secret: true,
			notes: []string{"store /srv/clamav/db/sigtool.db is outside /var/lib/sigtool", "URL.sha256"}},
		{name: "minimal", fresh: "minimal-freshclam.conf"},
		{name: "unix", fresh: "minimal-freshclam.conf", clamd: "unix-clamd.conf",
			notes: []string{"adduser sigtool root"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "debian" {
				needGroup(t, "clamav")
			}
			fresh := readConf(t, c.fresh)
			var clamd *clamconf.File
			if c.clamd != "" {
				clamd = readConf(t, c.clamd)
			}
			imp, err := ImportClamAV(fresh, clamd)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "clamav", c.name+".toml")
			if *update {
				if err := os.WriteFile(golden, imp.TOML, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(imp.TOML, want) {
				t.Errorf("the configuration differs from %s (go test -run ImportClamAV -update rewrites it):\n%s", golden, imp.TOML)
			}
			total := len(fresh.Directives)
			if clamd != nil {
				total += len(clamd.Directives)
			}
			if n := len(imp.Mapped) + len(imp.Unmapped); n != total {
				t.Errorf("%d directives mapped or named, want all %d", n, total)
			}
			for _, d := range imp.Mapped {
				if len(d.Keys) == 0 || d.Why != "" {
					t.Errorf("mapped %s: keys %v, why %q", d.Where, d.Keys, d.Why)
				}
			}
			for _, d := range imp.Unmapped {
				if d.Why == "" || !bytes.Contains(imp.TOML, []byte("#   "+d.String()+"\n")) {
					t.Errorf("not mapped %s %s: no reason in the file", d.Where, d.Name)
				}
			}
			if len(imp.Notes) != len(c.notes) {
				t.Errorf("notes %q, want %d", imp.Notes, len(c.notes))
			}
			for i, n := range c.notes {
				if i < len(imp.Notes) && !strings.Contains(imp.Notes[i], n) {
					t.Errorf("note %d: %q, want it to say %q", i, imp.Notes[i], n)
				}
			}
			if imp.Secret != c.secret {
				t.Errorf("Secret = %v, want %v", imp.Secret, c.secret)
			}
		})
	}
}

// TestImportClamAVRefuses: what would not work as it did with ClamAV is an
// error naming the file and line, not a configuration that means
// something else.
func TestImportClamAVRefuses(t *testing.T) {
	for _, c := range []struct {
		name, fresh, clamd, want string
	}{
		{"checks", "Checks 0\n", "", "freshclam.conf:1: Checks 0: sigupdated checks 1 to 50"},
		{"checks unit", "Checks 24h\n", "", `freshclam.conf:1: Checks "24h": want a whole number`},
		{"proxy user", "HTTPProxyServer p.example\nHTTPProxyUsername u\n", "", "freshclam.conf:2: HTTPProxyUsername needs HTTPProxyPassword"},
		{"proxy port", "HTTPProxyServer p.example\nHTTPProxyPort x\n", "", "freshclam.conf:2: HTTPProxyPort"},
		{"relative db", "DatabaseDirectory db\n", "", `freshclam.conf:1: DatabaseDirectory "db" is not an absolute path`},
		{"no database", "ExcludeDatabase main\nExcludeDatabase daily\n", "", "freshclam.conf:2: ExcludeDatabase leaves no database"},
		{"bad database", "ExtraDatabase ../x\n", "", "does not validate: feed[0].databases[2]"},
		{"relative socket", "Checks 1\n", "LocalSocket clamd.ctl\n", `clamd.conf:1: LocalSocket "clamd.ctl" is not an absolute path`},
		{"socket mode", "Checks 1\n", "LocalSocket /run/x\nLocalSocketMode rw\n", `clamd.conf:2: LocalSocketMode "rw"`},
		{"port", "Checks 1\n", "TCPSocket 70000\n", "clamd.conf:1: TCPSocket 70000 is not a port number"},
		{"size", "Checks 1\n", "TCPSocket 3310\nMaxFileSize 25X\n", `clamd.conf:2: MaxFileSize: "25X"`},
		{"queue", "Checks 1\n", "TCPSocket 3310\nMaxThreads 20\nMaxQueue 10\n", "does not validate: scan.max_queue"},
	} {
		t.Run(c.name, func(t *testing.T) {
			fresh, err := clamconf.Parse("freshclam.conf", strings.NewReader(c.fresh))
			if err != nil {
				t.Fatal(err)
			}
			var clamd *clamconf.File
			if c.clamd != "" {
				if clamd, err = clamconf.Parse("clamd.conf", strings.NewReader(c.clamd)); err != nil {
					t.Fatal(err)
				}
			}
			_, err = ImportClamAV(fresh, clamd)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}

func readConf(t *testing.T, name string) *clamconf.File {
	t.Helper()
	f, err := clamconf.Read(filepath.Join("testdata", "clamav", name))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// needGroup skips without the group a fixture's socket is given to
// (clamav-daemon's), and fails under CI, where the Makefile installs it.
func needGroup(t *testing.T, name string) {
	t.Helper()
	if _, err := user.LookupGroup(name); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("group %s: %v (the Makefile's deps install clamav-daemon, which creates it)", name, err)
		}
		t.Skipf("group %s missing (install clamav-daemon): %v", name, err)
	}
}
