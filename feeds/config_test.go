package feeds

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const goodConfig = `
db = "/var/lib/sigtool/sigtool.db"
checks_per_day = 12
serve_mirror = "127.0.0.1:8080"
connect_timeout = "10s"
read_idle_timeout = 45
user_agent = "sigupdated/1.0 (site: example)"

[[feed]]
name = "clamav"
type = "clamav"
mirrors = ["https://database.clamav.net", "http://mirror.example/clamav/"]
databases = ["main", "daily"]

[[feed]]
name = "ours"
type = "native"
mirrors = ["https://feeds.example/ours/"]
public_key = "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE="

[[feed]]
name = "thirdparty"
type = "files"
urls = ["https://example.org/sigs/foo.hdb", "https://example.org/sigs/bar.ndb"]
`

func TestParseConfig(t *testing.T) {
	// A 32-byte key, base64.
	cfgText := strings.Replace(goodConfig, "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=", "Gb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=", 1)
	c, err := ParseConfig([]byte(cfgText))
	if err != nil {
		t.Fatal(err)
	}
	if c.DB != "/var/lib/sigtool/sigtool.db" || c.ChecksPerDay != 12 || c.ServeMirror != "127.0.0.1:8080" {
		t.Errorf("top level %+v", c)
	}
	if c.ConnectTimeout.Duration != 10*time.Second || c.ReadIdleTimeout.Duration != 45*time.Second {
		t.Errorf("timeouts %v %v", c.ConnectTimeout, c.ReadIdleTimeout)
	}
	if c.Cooldown403.Duration != 24*time.Hour || c.Cooldown429.Duration != 4*time.Hour || c.MaxDownloadSize != DefaultMaxDownloadSize {
		t.Errorf("defaults not applied: %+v", c)
	}
	if len(c.Feeds) != 3 || c.Feeds[0].Databases[1] != "daily" || c.Feeds[2].URLs[1] != "https://example.org/sigs/bar.ndb" {
		t.Errorf("feeds %+v", c.Feeds)
	}
	if *c.UserAgent != "sigupdated/1.0 (site: example)" {
		t.Errorf("user_agent %q", *c.UserAgent)
	}
}

// Every validation error names the key at fault.
func TestConfigErrors(t *testing.T) {
	base := "[[feed]]\nname = \"test\"\ntype = \"clamav\"\nmirrors = [\"http://127.0.0.1:1\"]\ndatabases = [\"test\"]\n"
	certless := t.TempDir()
	cases := []struct {
		name, text, key string
	}{
		{"unknown key", "colour = 1\n" + base, "colour"},
		{"typo in feed", strings.Replace(base, "mirrors", "mirror", 1), "feed.mirror"},
		{"no feed", "db = \"x\"\n", "feed"},
		{"checks_per_day", "checks_per_day = 100\n" + base, "checks_per_day"},
		{"serve_mirror", "serve_mirror = \"nonsense\"\n" + base, "serve_mirror"},
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
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(c.text))
			var ce *ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, ErrConfig) {
				t.Fatalf("err %v, want a *ConfigError", err)
			}
			if !strings.HasPrefix(ce.Key, c.key) {
				t.Errorf("key %q, want %q (%v)", ce.Key, c.key, err)
			}
		})
	}
}

func TestLoadConfigNamesFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sigupdated.toml")
	os.WriteFile(p, []byte("checks_per_day = 0.5\n"), 0o644)
	_, err := LoadConfig(p)
	if err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("err %v does not name the file", err)
	}
	if _, err := LoadConfig(filepath.Join(t.TempDir(), "missing.toml")); !errors.Is(err, ErrConfig) {
		t.Fatalf("missing file: %v", err)
	}
	// require_sign with the test root passes.
	ok := "require_sign = true\ncerts_dir = \"testdata/certs\"\n[[feed]]\nname = \"t\"\ntype = \"clamav\"\nmirrors = [\"http://127.0.0.1:1\"]\ndatabases = [\"test\"]\n"
	if _, err := ParseConfig([]byte(ok)); err != nil {
		t.Fatal(err)
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(goodConfig))
	f.Add([]byte("[[feed]]\nname = \"test\"\ntype = \"clamav\"\nmirrors = [\"http://127.0.0.1:1\"]\ndatabases = [\"test\"]\n"))
	f.Add([]byte("connect_timeout = -5\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseConfig(b)
		if err != nil {
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("%v is not ErrConfig", err)
			}
			return
		}
		if len(c.Feeds) == 0 || c.ChecksPerDay < 1 || c.ReadIdleTimeout.Duration <= 0 {
			t.Fatalf("accepted %+v", c)
		}
	})
}
