package daemonconfig

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"regexp"

	"github.com/BurntSushi/toml"

	"github.com/sigtool/sigtool/feeds"
)

// DefaultPath is where sigupdated looks for its configuration when no
// --config is given.
const DefaultPath = "/etc/sigtool/sigupdated.toml"

// StateDir is the packaged unit's StateDirectory; SystemDB is the store
// there, which a configuration without db means when the daemon runs
// under the unit ($STATE_DIRECTORY), and which sigtool uses on such a
// server without --db.
const (
	StateDir = "/var/lib/sigtool"
	SystemDB = StateDir + "/sigtool.db"
)

// Config is sigupdated's whole configuration.
type Config struct {
	// DB is the signature store; empty means the store in the unit's
	// $STATE_DIRECTORY when systemd gives one, else sigdb.DefaultPath
	// (the daemon's --db flag overrides it).
	DB string `toml:"db"`
	// Listen is the HTTP listener's host:port (the --listen flag
	// overrides it); empty means none.
	Listen string `toml:"listen"`
	// MaxScans is how many scans run at once over every front end
	// together: the clamd socket (each command, and MULTISCAN's files,
	// which take the free slots), POST /v1/mailscan and the milter. A
	// request past it waits for a slot (within its own time-outs). [scan]
	// max_threads, clamd's name, sets it when max_scans is not given.
	MaxScans int `toml:"max_scans"`

	// The feeds' keys (checks_per_day, serve_mirror, proxy, timeouts,
	// cool-downs, certificates, [[feed]]) live at the top level.
	feeds.Config

	// Scan is the [scan] table; nil when the file has none, and then no
	// scan service is started.
	Scan *Scan `toml:"scan"`
	// Milter is the [milter] table; nil when the file has none, and then
	// no milter is served.
	Milter *Milter `toml:"milter"`
	// Mail is the [mail] table, always set (defaults when absent).
	Mail Mail `toml:"mail"`
}

// Error names the file and the key at fault; errors.Is(err, feeds.ErrConfig)
// holds for every configuration error, whichever section it is in.
type Error = feeds.ConfigError

// Load reads, defaults and validates a configuration file.
func Load(file string) (*Config, error) {
	b, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &missingError{file}
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", feeds.ErrConfig, err)
	}
	c, err := Parse(b)
	if err != nil {
		var ce *Error
		if errors.As(err, &ce) {
			ce.File = file
		}
		return nil, err
	}
	return c, nil
}

// missingError is a configuration file that does not exist: a
// configuration error, and fs.ErrNotExist for callers to whom a missing
// file means "no daemon here" (sigtool's defaults).
type missingError struct{ file string }

func (e *missingError) Error() string {
	return fmt.Sprintf("%v: %s does not exist (write one, see the README, or give --config FILE)", feeds.ErrConfig, e.file)
}

func (e *missingError) Unwrap() []error { return []error{feeds.ErrConfig, fs.ErrNotExist} }

var lastKey = regexp.MustCompile(`\(last key "([^"]+)"\)`)

// Parse is Load on bytes.
func Parse(b []byte) (*Config, error) {
	var c Config
	md, err := toml.Decode(string(b), &c)
	if err != nil {
		key := "toml"
		var pe toml.ParseError
		if errors.As(err, &pe) {
			key = fmt.Sprintf("line %d", pe.Position.Line)
			if pe.LastKey != "" {
				key = fmt.Sprintf("%s (line %d)", pe.LastKey, pe.Position.Line)
			}
		} else if m := lastKey.FindStringSubmatch(err.Error()); m != nil {
			// A type mismatch comes as a plain error naming the key.
			key = m[1]
		}
		return nil, &Error{Key: key, Msg: err.Error()}
	}
	if und := md.Undecoded(); len(und) > 0 {
		return nil, &Error{Key: und[0].String(), Msg: "unknown key"}
	}
	c.Config.ApplyDefaults()
	if c.Scan != nil {
		if c.MaxScans == 0 {
			c.MaxScans = c.Scan.MaxThreads
		} else if c.Scan.MaxThreads != 0 && c.Scan.MaxThreads != c.MaxScans {
			return nil, &Error{Key: "scan.max_threads", Msg: fmt.Sprintf("%d differs from max_scans = %d: they are one limit; set max_scans only", c.Scan.MaxThreads, c.MaxScans)}
		}
	}
	if c.MaxScans == 0 {
		c.MaxScans = DefaultMaxThreads
	}
	if c.Scan != nil {
		c.Scan.MaxThreads = c.MaxScans
		c.Scan.applyDefaults()
	}
	if c.Milter != nil {
		c.Milter.applyDefaults()
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Validate checks every section; the first problem is returned as an
// *Error naming its key.
func (c *Config) Validate() error {
	if c.Listen != "" {
		if _, _, err := net.SplitHostPort(c.Listen); err != nil {
			return &Error{Key: "listen", Msg: err.Error()}
		}
	}
	if c.MaxScans < 1 || c.MaxScans > 1024 {
		return &Error{Key: "max_scans", Msg: fmt.Sprintf("%d is outside 1..1024", c.MaxScans)}
	}
	if err := c.Config.Validate(); err != nil {
		return err
	}
	if len(c.Feeds) == 0 && c.Scan == nil && c.Milter == nil {
		return &Error{Key: "feed", Msg: "no [[feed]], no [scan] and no [milter] configured: nothing to do"}
	}
	if c.Scan != nil {
		if err := c.Scan.validate(); err != nil {
			return err
		}
	}
	if c.Milter != nil {
		if err := c.Milter.validate(); err != nil {
			return err
		}
	}
	return c.Mail.validate()
}
