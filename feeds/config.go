package feeds

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/sigtool/sigtool/internal/duration"
)

// Config is what the updater and the mirror need: the feeds and how to
// fetch them. It is the feeds part of sigupdated's configuration file
// (package daemonconfig reads the file and embeds this struct at its top
// level), so the toml key names are a contract with operators (see the
// README).
type Config struct {
	ChecksPerDay int    `toml:"checks_per_day"`
	ServeMirror  string `toml:"serve_mirror"`

	// Proxy is the HTTP proxy for every download: "" takes it from the
	// environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY), "none" uses no
	// proxy even when the environment names one, else an http(s) URL,
	// user:password@ included when the proxy needs it.
	Proxy string `toml:"proxy"`

	// UserAgent overrides "sigupdated/<version>". Set to "" to send none
	// (only useful to test a proxy's behaviour).
	UserAgent *string `toml:"user_agent"`

	ConnectTimeout  Duration `toml:"connect_timeout"`   // default 30 s
	ReadIdleTimeout Duration `toml:"read_idle_timeout"` // default 60 s; no total cap
	// Cool-downs after 403 and after a 429 without Retry-After.
	Cooldown403 Duration `toml:"cooldown_403"` // default 24 h
	Cooldown429 Duration `toml:"cooldown_429"` // default 4 h

	CertsDir    string `toml:"certs_dir"`
	RequireSign bool   `toml:"require_sign"`

	TempDir         string `toml:"temp_dir"`          // default os.TempDir()
	MaxDownloadSize int64  `toml:"max_download_size"` // bytes, default 1 GiB

	Feeds []FeedConfig `toml:"feed"`
}

// FeedConfig is one [[feed]] table.
type FeedConfig struct {
	Name string `toml:"name"`
	Type string `toml:"type"` // clamav | native | files

	Mirrors   []string `toml:"mirrors"`    // clamav, native: base URLs tried in order
	Databases []string `toml:"databases"`  // clamav
	PublicKey string   `toml:"public_key"` // native: base64 Ed25519 public key
	URLs      []string `toml:"urls"`       // files

	// Per-feed overrides of the global keys.
	CertsDir    string `toml:"certs_dir"`
	RequireSign *bool  `toml:"require_sign"`
}

// Feed types.
const (
	TypeClamAV = "clamav"
	TypeNative = "native"
	TypeFiles  = "files"
)

// Defaults applied by ApplyDefaults.
const (
	DefaultChecksPerDay    = 24
	DefaultConnectTimeout  = 30 * time.Second
	DefaultReadIdleTimeout = 60 * time.Second
	DefaultCooldown403     = 24 * time.Hour
	DefaultCooldown429     = 4 * time.Hour
	DefaultMaxDownloadSize = 1 << 30
)

// Duration is a TOML duration: a string as package internal/duration reads
// it ("90s", "4h", "30d", "2w") or an integer number of seconds.
type Duration struct{ time.Duration }

// UnmarshalTOML implements toml.Unmarshaler.
func (d *Duration) UnmarshalTOML(v any) error {
	switch x := v.(type) {
	case string:
		p, err := duration.Parse(x)
		if err != nil {
			return err
		}
		d.Duration = p
	case int64:
		d.Duration = time.Duration(x) * time.Second
	default:
		return fmt.Errorf("want a duration like \"30s\", \"4h\", \"30d\" or seconds, got %T", v)
	}
	if d.Duration < 0 {
		return errors.New("negative duration")
	}
	return nil
}

// ConfigError names the key that is wrong.
type ConfigError struct {
	File string
	Key  string // e.g. "feed[1].mirrors[0]"
	Msg  string
}

func (e *ConfigError) Error() string {
	if e.File != "" {
		return fmt.Sprintf("%s: %s: %s", e.File, e.Key, e.Msg)
	}
	return e.Key + ": " + e.Msg
}

func (e *ConfigError) Unwrap() error { return ErrConfig }

// ApplyDefaults fills in every key left unset.
func (c *Config) ApplyDefaults() {
	if c.ChecksPerDay == 0 {
		c.ChecksPerDay = DefaultChecksPerDay
	}
	def := func(d *Duration, v time.Duration) {
		if d.Duration == 0 {
			d.Duration = v
		}
	}
	def(&c.ConnectTimeout, DefaultConnectTimeout)
	def(&c.ReadIdleTimeout, DefaultReadIdleTimeout)
	def(&c.Cooldown403, DefaultCooldown403)
	def(&c.Cooldown429, DefaultCooldown429)
	if c.MaxDownloadSize == 0 {
		c.MaxDownloadSize = DefaultMaxDownloadSize
	}
}

var (
	feedNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	dbNameRE   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)
)

// Validate checks every key; the first problem is returned as a
// *ConfigError naming it.
func (c *Config) Validate() error {
	if c.ChecksPerDay < 1 || c.ChecksPerDay > 50 {
		return &ConfigError{Key: "checks_per_day", Msg: fmt.Sprintf("%d is outside 1..50", c.ChecksPerDay)}
	}
	if c.ServeMirror != "" {
		if _, _, err := net.SplitHostPort(c.ServeMirror); err != nil {
			return &ConfigError{Key: "serve_mirror", Msg: err.Error()}
		}
	}
	if _, err := c.proxyURL(); err != nil {
		return &ConfigError{Key: "proxy", Msg: err.Error()}
	}
	if c.UserAgent != nil && strings.ContainsAny(*c.UserAgent, "\r\n") {
		return &ConfigError{Key: "user_agent", Msg: "contains a line break"}
	}
	if c.MaxDownloadSize < 0 {
		return &ConfigError{Key: "max_download_size", Msg: "negative"}
	}
	if c.RequireSign {
		if err := checkCertsDir("certs_dir", c.CertsDir); err != nil {
			return err
		}
	}
	names := map[string]string{}      // config feed names
	storeNames := map[string]string{} // store feed names must not collide
	for i := range c.Feeds {
		f := &c.Feeds[i]
		key := fmt.Sprintf("feed[%d]", i)
		if !feedNameRE.MatchString(f.Name) {
			return &ConfigError{Key: key + ".name", Msg: fmt.Sprintf("%q: want letters, digits, '.', '_', '-'", f.Name)}
		}
		if prev, ok := names[f.Name]; ok {
			return &ConfigError{Key: key + ".name", Msg: fmt.Sprintf("%q already used by %s", f.Name, prev)}
		}
		names[f.Name] = key
		if err := f.validate(c, key); err != nil {
			return err
		}
		for _, sn := range f.storeNames() {
			if prev, ok := storeNames[sn]; ok {
				return &ConfigError{Key: key, Msg: fmt.Sprintf("store feed %q is also written by %s", sn, prev)}
			}
			storeNames[sn] = key
		}
	}
	return nil
}

func (f *FeedConfig) validate(c *Config, key string) error {
	switch f.Type {
	case TypeClamAV:
		if err := checkURLs(key+".mirrors", f.Mirrors); err != nil {
			return err
		}
		if len(f.Databases) == 0 {
			return &ConfigError{Key: key + ".databases", Msg: "empty"}
		}
		seen := map[string]bool{}
		for j, d := range f.Databases {
			if !dbNameRE.MatchString(d) || seen[d] {
				return &ConfigError{Key: fmt.Sprintf("%s.databases[%d]", key, j), Msg: fmt.Sprintf("%q is not a database name or repeats", d)}
			}
			seen[d] = true
		}
		if f.requireSign(c) {
			k := key + ".certs_dir"
			if f.CertsDir == "" {
				k = "certs_dir"
			}
			if err := checkCertsDir(k, f.certsDir(c)); err != nil {
				return err
			}
		}
	case TypeNative:
		if err := checkURLs(key+".mirrors", f.Mirrors); err != nil {
			return err
		}
		if _, err := decodePublicKey(f.PublicKey); err != nil {
			return &ConfigError{Key: key + ".public_key", Msg: err.Error()}
		}
	case TypeFiles:
		if err := checkURLs(key+".urls", f.URLs); err != nil {
			return err
		}
		seen := map[string]bool{}
		for j, u := range f.URLs {
			n := fileNameOfURL(u)
			if n == "" || seen[n] {
				return &ConfigError{Key: fmt.Sprintf("%s.urls[%d]", key, j), Msg: fmt.Sprintf("file name %q is empty or repeats", n)}
			}
			seen[n] = true
		}
	default:
		return &ConfigError{Key: key + ".type", Msg: fmt.Sprintf("%q: want clamav, native or files", f.Type)}
	}
	return nil
}

// storeNames are the store feeds this feed writes: one per ClamAV database
// (named like ClamAV's files: "main", "daily", so `sigtool import
// --feed daily daily.cvd` and the updater agree), else the feed name.
func (f *FeedConfig) storeNames() []string {
	if f.Type == TypeClamAV {
		return f.Databases
	}
	return []string{f.Name}
}

func (f *FeedConfig) certsDir(c *Config) string {
	if f.CertsDir != "" {
		return f.CertsDir
	}
	return c.CertsDir
}

func (f *FeedConfig) requireSign(c *Config) bool {
	if f.RequireSign != nil {
		return *f.RequireSign
	}
	return c.RequireSign
}

func checkURLs(key string, us []string) error {
	if len(us) == 0 {
		return &ConfigError{Key: key, Msg: "empty"}
	}
	for j, s := range us {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return &ConfigError{Key: fmt.Sprintf("%s[%d]", key, j), Msg: fmt.Sprintf("%q is not an http(s) URL", s)}
		}
	}
	return nil
}

// checkCertsDir insists on at least one *.crt or *.pem: with require_sign a
// missing root would make every update fail at run time instead of now.
func checkCertsDir(key, dir string) error {
	if dir == "" {
		return &ConfigError{Key: key, Msg: "require_sign is set but no certs_dir is configured"}
	}
	certs, err := certFiles(dir)
	if err != nil {
		return &ConfigError{Key: key, Msg: err.Error()}
	}
	if len(certs) == 0 {
		return &ConfigError{Key: key, Msg: fmt.Sprintf("require_sign is set but %s has no *.crt or *.pem file", filepath.Join(dir, "*.crt"))}
	}
	return nil
}

func certFiles(dir string) ([]string, error) {
	var out []string
	for _, pat := range []string{"*.crt", "*.pem"} {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			return nil, err
		}
		out = append(out, m...)
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, err
	}
	return out, nil
}

func decodePublicKey(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("missing (base64 Ed25519 public key, from `sigtool feed keygen`)")
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(b) != 32 {
		return nil, errors.New("not a base64 Ed25519 public key (32 bytes)")
	}
	return b, nil
}

// fileNameOfURL is the last path element, the name the file gets in the store.
func fileNameOfURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	n := path.Base(u.Path)
	if n == "/" || n == "." || !dbFileNameRE.MatchString(n) {
		return ""
	}
	return n
}

var dbFileNameRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$`)

// CheckInterval is the mean time between cycles, 24 h / checks_per_day;
// the daemon adds jitter so a fleet does not hit the mirror in step.
func (c *Config) CheckInterval() time.Duration {
	n := c.ChecksPerDay
	if n < 1 {
		n = DefaultChecksPerDay
	}
	return 24 * time.Hour / time.Duration(n)
}
