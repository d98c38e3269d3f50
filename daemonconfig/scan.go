package daemonconfig

import (
	"fmt"
	"net"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sigtool/sigtool/feeds"
	"github.com/sigtool/sigtool/scan"
)

// Scan is the [scan] table: the clamd-compatible scan service. Its
// defaults are clamd's (clamd.conf(5)), so a client tuned for clamd
// meets the same limits.
type Scan struct {
	// UnixSocket is clamd's LocalSocket; SocketMode (octal, default
	// "0660") and SocketGroup (a group name or number; default the
	// daemon's) are LocalSocketMode and LocalSocketGroup.
	UnixSocket  string `toml:"unix_socket"`
	SocketMode  string `toml:"socket_mode"`
	SocketGroup string `toml:"socket_group"`
	// TCP is TCPAddr:TCPSocket as host:port; a bare port listens on
	// 127.0.0.1 only. Anyone who can reach it can have files scanned and
	// stop the daemon (SHUTDOWN), as with clamd.
	TCP string `toml:"tcp"`

	// StreamMaxLength bounds one INSTREAM (and one mail request); over it
	// the reply is clamd's "INSTREAM size limit exceeded. ERROR".
	StreamMaxLength Size `toml:"stream_max_length"`
	// ScanRoots, when set, are the only directories SCAN, CONTSCAN,
	// MULTISCAN and ALLMATCHSCAN may name (after resolving symbolic
	// links); empty allows every path the daemon's user can read, as clamd.
	ScanRoots []string `toml:"scan_roots"`

	// MaxThreads is clamd's name for the daemon's max_scans (Config.
	// MaxScans), which it always equals after Parse; MaxQueue connections
	// are served at once (more wait in the listen backlog, as with clamd,
	// which stops accepting past MaxQueue).
	MaxThreads int `toml:"max_threads"`
	MaxQueue   int `toml:"max_queue"`
	// CommandReadTimeout is how long a new connection may take to send
	// its command; ReadTimeout how long a client may pause while it
	// streams or between the commands of an IDSESSION, and how long a
	// reply may wait for a client that does not read.
	CommandReadTimeout feeds.Duration `toml:"command_read_timeout"`
	ReadTimeout        feeds.Duration `toml:"read_timeout"`

	// The scan limits, as clamd's MaxFileSize, MaxScanSize, MaxFiles,
	// MaxRecursion; each file over one is an ERROR unless
	// AlertExceedsMax, which reports Heuristics.Limits.Exceeded FOUND.
	MaxFileSize     Size `toml:"max_filesize"`
	MaxScanSize     Size `toml:"max_scansize"`
	MaxFiles        int  `toml:"max_files"`
	MaxRecursion    int  `toml:"max_recursion"`
	AlertExceedsMax bool `toml:"alert_exceeds_max"`
	// PUA loads the PUA signatures (DetectPUA).
	PUA bool `toml:"pua"`
	// CacheSize is how many clean contents the serving matcher remembers
	// so that the same content streamed again is answered without a
	// second scan (default 65536); DisableCache turns that off. Both as
	// clamd's, whose cache is on by default too.
	CacheSize    int  `toml:"cache_size"`
	DisableCache bool `toml:"disable_cache"`

	// DisableCommands answers these commands with clamd's "COMMAND
	// UNAVAILABLE" (clamd's Enable*Command = no, AllowAllMatchScan = no).
	DisableCommands []string `toml:"disable_commands"`
}

// clamd.conf's defaults.
const (
	DefaultStreamMaxLength    = 100 << 20
	DefaultMaxThreads         = 10
	DefaultMaxQueue           = 100
	DefaultCommandReadTimeout = 30 * time.Second
	DefaultReadTimeout        = 120 * time.Second
	DefaultSocketMode         = "0660"
)

// Disableable lists the commands disable_commands may name.
var Disableable = []string{"SHUTDOWN", "RELOAD", "VERSION", "STATS", "ALLMATCHSCAN", "SCAN", "CONTSCAN", "MULTISCAN", "FILDES", "MAILSCAN"}

func (s *Scan) applyDefaults() {
	if s.SocketMode == "" {
		s.SocketMode = DefaultSocketMode
	}
	if s.StreamMaxLength == 0 {
		s.StreamMaxLength = DefaultStreamMaxLength
	}
	if s.MaxThreads == 0 {
		s.MaxThreads = DefaultMaxThreads
	}
	if s.MaxQueue == 0 {
		s.MaxQueue = DefaultMaxQueue
	}
	if s.CommandReadTimeout.Duration == 0 {
		s.CommandReadTimeout.Duration = DefaultCommandReadTimeout
	}
	if s.ReadTimeout.Duration == 0 {
		s.ReadTimeout.Duration = DefaultReadTimeout
	}
	def := scan.DefaultOptions().Limits
	if s.MaxFileSize == 0 {
		s.MaxFileSize = Size(def.MaxFileSize)
	}
	if s.MaxScanSize == 0 {
		s.MaxScanSize = Size(def.MaxScanSize)
	}
	if s.MaxFiles == 0 {
		s.MaxFiles = def.MaxFiles
	}
	if s.MaxRecursion == 0 {
		s.MaxRecursion = def.MaxRecursion
	}
	if s.TCP != "" && !strings.Contains(s.TCP, ":") {
		s.TCP = net.JoinHostPort("127.0.0.1", s.TCP)
	}
}

func (s *Scan) validate() error {
	if s.UnixSocket == "" && s.TCP == "" {
		return &Error{Key: "scan", Msg: "set unix_socket or tcp (or both)"}
	}
	if s.UnixSocket != "" && !filepath.IsAbs(s.UnixSocket) {
		return &Error{Key: "scan.unix_socket", Msg: fmt.Sprintf("%q is not an absolute path", s.UnixSocket)}
	}
	if _, err := s.Mode(); err != nil {
		return &Error{Key: "scan.socket_mode", Msg: err.Error()}
	}
	if _, err := s.GroupID(); err != nil {
		return &Error{Key: "scan.socket_group", Msg: err.Error()}
	}
	if s.TCP != "" {
		if _, port, err := net.SplitHostPort(s.TCP); err != nil {
			return &Error{Key: "scan.tcp", Msg: err.Error()}
		} else if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			return &Error{Key: "scan.tcp", Msg: fmt.Sprintf("port %q is not a number", port)}
		}
	}
	if s.StreamMaxLength > 4<<30-1 {
		return &Error{Key: "scan.stream_max_length", Msg: "at most 4G-1 (clamd's limit: the protocol's chunk lengths are 32 bits)"}
	}
	for i, r := range s.ScanRoots {
		if !filepath.IsAbs(r) {
			return &Error{Key: fmt.Sprintf("scan.scan_roots[%d]", i), Msg: fmt.Sprintf("%q is not an absolute path", r)}
		}
	}
	if s.MaxThreads < 1 || s.MaxThreads > 1024 {
		return &Error{Key: "scan.max_threads", Msg: fmt.Sprintf("%d is outside 1..1024", s.MaxThreads)}
	}
	if s.MaxQueue < s.MaxThreads || s.MaxQueue > 65536 {
		return &Error{Key: "scan.max_queue", Msg: fmt.Sprintf("%d is outside max_threads..65536", s.MaxQueue)}
	}
	if s.CacheSize < 0 || s.CacheSize > 1<<24 {
		return &Error{Key: "scan.cache_size", Msg: fmt.Sprintf("%d is outside 0..16777216 (disable_cache = true turns the cache off)", s.CacheSize)}
	}
	if s.MaxFiles < 0 || s.MaxRecursion < 0 {
		return &Error{Key: "scan.max_files", Msg: "negative"}
	}
	for i, c := range s.DisableCommands {
		if !slices.Contains(Disableable, c) {
			return &Error{Key: fmt.Sprintf("scan.disable_commands[%d]", i), Msg: fmt.Sprintf("%q: want one of %s", c, strings.Join(Disableable, ", "))}
		}
	}
	return nil
}

// Mode is SocketMode as a number.
func (s *Scan) Mode() (uint32, error) {
	m, err := strconv.ParseUint(s.SocketMode, 8, 32)
	if err != nil || m > 0o777 {
		return 0, fmt.Errorf("%q is not an octal file mode like \"0660\"", s.SocketMode)
	}
	return uint32(m), nil
}

// GroupID is SocketGroup as a gid, -1 when unset.
func (s *Scan) GroupID() (int, error) {
	if s.SocketGroup == "" {
		return -1, nil
	}
	if n, err := strconv.Atoi(s.SocketGroup); err == nil && n >= 0 {
		return n, nil
	}
	g, err := user.LookupGroup(s.SocketGroup)
	if err != nil {
		return -1, err
	}
	return strconv.Atoi(g.Gid)
}

// Options are the scan engine options the limits make: ClamAV's other
// defaults, and mail files scanned inside as `sigtool scan` does.
func (s *Scan) Options() scan.Options {
	o := scan.DefaultOptions()
	o.Limits.MaxFileSize, o.Limits.MaxScanSize = int64(s.MaxFileSize), int64(s.MaxScanSize)
	o.Limits.MaxFiles, o.Limits.MaxRecursion = s.MaxFiles, s.MaxRecursion
	o.AlertExceedsMax = s.AlertExceedsMax
	o.Expand = scan.ExpandMail
	return o
}

// CleanCache is engine.Options.CleanCache for cache_size and
// disable_cache.
func (s *Scan) CleanCache() int {
	if s.DisableCache {
		return -1
	}
	return s.CacheSize
}

// Disabled reports whether disable_commands names cmd.
func (s *Scan) Disabled(cmd string) bool { return slices.Contains(s.DisableCommands, cmd) }
