package daemonconfig

import (
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/sigtool/sigtool/clamconf"
	"github.com/sigtool/sigtool/internal/bytesize"
)

// The directories the packaged systemd unit lets sigupdated write
// (StateDirectory, RuntimeDirectory): an imported path elsewhere needs
// the operator's drop-in, and the import says so.
const (
	unitStateDir   = "/var/lib/sigtool"
	unitRuntimeDir = "/run/sigtool"
)

// Imported is a configuration made from ClamAV's freshclam.conf and
// clamd.conf (ImportClamAV).
type Imported struct {
	// TOML is the configuration file: every key with a comment naming
	// the directive it came from, the notes at the top and the directives
	// not mapped at the end. It passes Parse.
	TOML []byte
	// Mapped and Unmapped together hold every directive of the files,
	// in file order.
	Mapped   []Directive
	Unmapped []Directive
	// Notes say what the operator must do for the configuration to work
	// as ClamAV's did (a path the packaged unit cannot write, a group
	// the daemon must join).
	Notes []string
	// Secret is set when TOML holds a password (the proxy's): write the
	// file for the daemon's eyes only.
	Secret bool
}

// A Directive is one line of ClamAV's files and what the import made of
// it: the keys it set, or Why it has no counterpart.
type Directive struct {
	Where string // "/etc/clamav/freshclam.conf:14"
	clamconf.Directive
	Keys []string
	Why  string
}

func (d Directive) String() string {
	s := d.Where + " " + d.Name + " " + d.Value
	if d.Name == "HTTPProxyPassword" {
		s = d.Where + " " + d.Name + " (hidden)"
	}
	if d.Why != "" {
		s += ": " + d.Why
	}
	return s
}

// unmappedWhy says why a directive has no counterpart, or that sigupdated
// always behaves as it asks; a directive not listed gets a plain "no
// counterpart".
var unmappedWhy = map[string]string{
	"DatabaseOwner":            "the packaged unit runs sigupdated as user sigtool, which owns the store",
	"NotifyClamd":              "sigupdated swaps in its own scanner after each update: nothing to notify",
	"TestDatabases":            "sigupdated always verifies and compiles an update before it swaps it in",
	"ScriptedUpdates":          "sigupdated applies a cdiff when the mirror has it and the whole CVD when not",
	"DNSDatabaseInfo":          "sigupdated learns the versions from the mirror over HTTP(S), not from DNS",
	"MaxAttempts":              "sigupdated tries each mirror in turn once per check and again at the next check",
	"CompressLocalDatabase":    "the store is one bbolt file, not compressed",
	"Bytecode":                 "sigtool does not run bytecode signatures (bytecode.cvd is not fetched)",
	"SafeBrowsing":             "obsolete: ClamAV dropped it too",
	"LocalIPAddress":           "the kernel chooses the source address",
	"OnUpdateExecute":          "no hooks: watch the log or /metrics (sigupdated_feed_version)",
	"OnErrorExecute":           "no hooks: watch the log or /metrics",
	"OnOutdatedExecute":        "no hooks: watch the log or /metrics",
	"UpdateLogFile":            "sigupdated logs to stderr (the journal under systemd)",
	"LogFile":                  "sigupdated logs to stderr (the journal under systemd)",
	"LogSyslog":                "sigupdated logs to stderr (the journal under systemd)",
	"LogFacility":              "sigupdated logs to stderr (the journal under systemd)",
	"LogFileMaxSize":           "sigupdated logs to stderr (the journal under systemd)",
	"LogFileUnlock":            "sigupdated logs to stderr (the journal under systemd)",
	"LogRotate":                "sigupdated logs to stderr (the journal under systemd)",
	"LogTime":                  "sigupdated logs to stderr (the journal under systemd)",
	"LogClean":                 "sigupdated logs to stderr (the journal under systemd)",
	"LogVerbose":               "set the level with --log-level",
	"Debug":                    "set the level with --log-level",
	"Foreground":               "sigupdated always runs in the foreground (systemd tracks it)",
	"PidFile":                  "sigupdated always runs in the foreground (systemd tracks it)",
	"User":                     "the packaged unit runs sigupdated as user sigtool",
	"FixStaleSocket":           "sigupdated always replaces a stale socket (and refuses a live one)",
	"ScanMail":                 "sigupdated always scans mail files inside",
	"ScanArchive":              "sigupdated always scans archives inside",
	"SelfCheck":                "sigupdated reloads when an update lands, not on a timer",
	"MaxConnectionQueueLength": "the listen backlog is the kernel's (net.core.somaxconn)",
	"TemporaryDirectory":       "scans run in memory; set temp_dir for downloads",
}

// ImportClamAV maps freshclam.conf (fresh) and clamd.conf (clamd, may be
// nil) onto sigupdated's keys: the feed of ClamAV's databases from the
// mirrors, the proxy, the schedule and timeouts from freshclam.conf; the
// [scan] service from clamd.conf's sockets and limits. A value that would
// not work here is an error naming its file and line.
func ImportClamAV(fresh, clamd *clamconf.File) (*Imported, error) {
	m := &importer{done: map[string]Directive{}}
	for _, step := range []func(*clamconf.File, *clamconf.File) error{m.store, m.schedule, m.proxy, m.feedsFrom, m.scan} {
		if err := step(fresh, clamd); err != nil {
			return nil, err
		}
	}
	for _, f := range []*clamconf.File{fresh, clamd} {
		if f == nil {
			continue
		}
		for _, d := range f.All("Bytecode") {
			if !clamconf.Bool(d) {
				m.note(f, d, "sigupdated fetches and runs no bytecode either")
			}
		}
		for _, d := range f.Directives {
			w := f.Where(d)
			if x, ok := m.done[w]; ok {
				if len(x.Keys) > 0 {
					m.out.Mapped = append(m.out.Mapped, x)
				} else {
					m.out.Unmapped = append(m.out.Unmapped, x)
				}
				continue
			}
			why, ok := unmappedWhy[d.Name]
			if !ok {
				why = "no counterpart in sigupdated"
			}
			m.out.Unmapped = append(m.out.Unmapped, Directive{Where: w, Directive: d, Why: why})
		}
	}
	m.out.TOML = m.render(fresh, clamd)
	if _, err := Parse(m.out.TOML); err != nil {
		return nil, fmt.Errorf("the imported configuration does not validate: %w", err)
	}
	return &m.out, nil
}

// importer collects the keys of each table and what became of each
// directive (done, by its Where).
type importer struct {
	out   Imported
	top   []entry
	scanT []entry
	feeds [][]entry
	done  map[string]Directive
}

// entry is one key = value line and the directives it came from.
type entry struct {
	key, value string
	from       []string
	why        string // a comment line after from: why the value differs
}

// set records key = value (already TOML) made from the directives ds.
func (m *importer) set(table *[]entry, prefix, key, value string, f *clamconf.File, ds ...clamconf.Directive) {
	e := entry{key: key, value: value}
	for _, d := range ds {
		e.from = append(e.from, m.mark(f, d, prefix+key))
	}
	*table = append(*table, e)
}

// mark records that d set key and returns the comment naming it.
func (m *importer) mark(f *clamconf.File, d clamconf.Directive, key string) string {
	x := m.note(f, d, "")
	x.Keys = append(x.Keys, key)
	m.done[x.Where] = x
	return x.String()
}

// note records a directive as handled; why, when not "", says why it
// sets no key.
func (m *importer) note(f *clamconf.File, d clamconf.Directive, why string) Directive {
	w := f.Where(d)
	x, ok := m.done[w]
	if !ok {
		x = Directive{Where: w, Directive: d}
	}
	if why != "" {
		x.Why = why
	}
	m.done[w] = x
	return x
}

func (m *importer) addNote(format string, args ...any) {
	m.out.Notes = append(m.out.Notes, fmt.Sprintf(format, args...))
}

// debianClamAVDir is where Debian's ClamAV keeps its databases: an
// operator who left it there takes sigtool's packaged place too.
const debianClamAVDir = "/var/lib/clamav"

// store maps DatabaseDirectory: the store goes into the folder an
// operator chose for freshclam's databases, and into sigtool's own
// (the unit's StateDirectory) when that was Debian's default.
// clamd.conf's names the same folder, or it is named as not mapped.
func (m *importer) store(fresh, clamd *clamconf.File) error {
	d, ok := fresh.Last("DatabaseDirectory")
	src := fresh
	if !ok && clamd != nil {
		d, ok = clamd.Last("DatabaseDirectory")
		src = clamd
	}
	if !ok {
		return nil
	}
	if !filepath.IsAbs(d.Value) {
		return fmt.Errorf("%s: DatabaseDirectory %q is not an absolute path", src.Where(d), d.Value)
	}
	dir := filepath.Clean(d.Value)
	if dir == debianClamAVDir {
		dir = unitStateDir
	}
	db := filepath.Join(dir, "sigtool.db")
	m.set(&m.top, "", "db", quote(db), src, d)
	if dir != filepath.Clean(d.Value) {
		m.top[len(m.top)-1].why = "Debian's folder for ClamAV's own files: the store goes into sigtool's"
	}
	if clamd != nil && src == fresh {
		if c, ok := clamd.Last("DatabaseDirectory"); ok {
			if filepath.Clean(c.Value) == filepath.Clean(d.Value) {
				e := &m.top[len(m.top)-1] // the same folder: it sets db too
				e.from = append(e.from, m.mark(clamd, c, "db"))
			} else {
				m.note(clamd, c, "freshclam.conf's DatabaseDirectory "+d.Value+" is the store's folder")
			}
		}
	}
	if dir != unitStateDir {
		m.addNote("the store %s is outside %s, the only folder the packaged unit may write: add ReadWritePaths=%s with `systemctl edit sigupdated` and make it writable for user sigtool, or set db to %s/sigtool.db",
			db, unitStateDir, dir, unitStateDir)
	}
	return nil
}

// schedule maps Checks and the timeouts.
func (m *importer) schedule(fresh, _ *clamconf.File) error {
	if d, ok := fresh.Last("Checks"); ok {
		n, err := fresh.Number(d)
		if err != nil {
			return err
		}
		if n < 1 || n > 50 {
			return fmt.Errorf("%s: Checks %d: sigupdated checks 1 to 50 times a day", fresh.Where(d), n)
		}
		m.set(&m.top, "", "checks_per_day", strconv.Itoa(n), fresh, d)
	}
	for _, t := range []struct{ directive, key string }{
		{"ConnectTimeout", "connect_timeout"},
		{"ReceiveTimeout", "read_idle_timeout"}, // curl's low-speed time: a stall, not a total
	} {
		d, ok := fresh.Last(t.directive)
		if !ok {
			continue
		}
		n, err := fresh.Number(d)
		if err != nil {
			return err
		}
		if n <= 0 {
			m.note(fresh, d, "sigupdated has no unbounded wait; its default "+t.key+" applies")
			continue
		}
		m.set(&m.top, "", t.key, quote(strconv.Itoa(n)+"s"), fresh, d)
	}
	if d, ok := fresh.Last("HTTPUserAgent"); ok {
		m.set(&m.top, "", "user_agent", quote(d.Value), fresh, d)
	}
	if d, ok := fresh.Last("CVDCertsDirectory"); ok {
		m.set(&m.top, "", "certs_dir", quote(d.Value), fresh, d)
	}
	return nil
}

// proxy maps HTTPProxyServer, -Port, -Username and -Password onto one
// proxy URL. freshclam drops an http:// prefix; curl's default port for
// a proxy is 1080.
func (m *importer) proxy(fresh, _ *clamconf.File) error {
	server, ok := fresh.Last("HTTPProxyServer")
	var ds []clamconf.Directive
	for _, n := range []string{"HTTPProxyPort", "HTTPProxyUsername", "HTTPProxyPassword"} {
		if d, ok := fresh.Last(n); ok {
			ds = append(ds, d)
		}
	}
	if !ok {
		for _, d := range ds {
			m.note(fresh, d, "no HTTPProxyServer: freshclam ignores it too")
		}
		return nil
	}
	u := &url.URL{Scheme: "http"}
	host := server.Value
	if i := strings.Index(host, "://"); i >= 0 {
		u.Scheme, host = strings.ToLower(host[:i]), host[i+3:]
	}
	host = strings.TrimSuffix(host, "/")
	port := "1080"
	var user, pass *clamconf.Directive
	for i, d := range ds {
		switch d.Name {
		case "HTTPProxyPort":
			n, err := fresh.Number(d)
			if err != nil {
				return err
			}
			port = strconv.Itoa(n)
		case "HTTPProxyUsername":
			user = &ds[i]
		case "HTTPProxyPassword":
			pass = &ds[i]
		}
	}
	if _, p, err := net.SplitHostPort(host); err == nil {
		port = p // a port in the server's name wins, as with curl
		host, _, _ = net.SplitHostPort(host)
	}
	u.Host = net.JoinHostPort(host, port)
	switch {
	case user != nil && pass == nil:
		return fmt.Errorf("%s: HTTPProxyUsername needs HTTPProxyPassword (freshclam refuses it too)", fresh.Where(*user))
	case user != nil:
		u.User = url.UserPassword(user.Value, pass.Value)
		m.out.Secret = true
	case pass != nil:
		m.note(fresh, *pass, "no HTTPProxyUsername: freshclam ignores it too")
		ds = slices.DeleteFunc(ds, func(d clamconf.Directive) bool { return d.Name == "HTTPProxyPassword" })
	}
	m.set(&m.top, "", "proxy", quote(u.String()), fresh, append([]clamconf.Directive{server}, ds...)...)
	return nil
}

// feedsFrom maps the mirrors and databases onto a clamav [[feed]], and
// DatabaseCustomURL onto a files [[feed]].
func (m *importer) feedsFrom(fresh, _ *clamconf.File) error {
	var feed []entry
	mirrors, src := fresh.All("PrivateMirror"), "PrivateMirror"
	if len(mirrors) > 0 {
		for _, d := range fresh.All("DatabaseMirror") {
			m.note(fresh, d, "PrivateMirror overrides it, as in freshclam")
		}
	} else {
		mirrors, src = fresh.All("DatabaseMirror"), "DatabaseMirror"
	}
	var urls []string
	for _, d := range mirrors {
		u := mirrorURL(d.Value, src == "DatabaseMirror")
		if slices.Contains(urls, u) {
			m.note(fresh, d, "the same mirror as another line ("+u+")")
			continue
		}
		urls = append(urls, u)
	}
	m.set(&feed, "feed[0].", "name", quote("clamav"), fresh)
	m.set(&feed, "feed[0].", "type", quote("clamav"), fresh)
	if len(urls) == 0 {
		// freshclam's default
		m.set(&feed, "feed[0].", "mirrors", quoteList([]string{"https://database.clamav.net"}), fresh)
	} else {
		var used []clamconf.Directive
		for _, d := range mirrors {
			if x := m.done[fresh.Where(d)]; x.Why == "" {
				used = append(used, d)
			}
		}
		m.set(&feed, "feed[0].", "mirrors", quoteList(urls), fresh, used...)
	}
	dbs := []string{"main", "daily"}
	var from []clamconf.Directive
	for _, d := range fresh.All("ExtraDatabase") {
		if !slices.Contains(dbs, d.Value) {
			dbs = append(dbs, d.Value)
		}
		from = append(from, d)
	}
	for _, d := range fresh.All("ExcludeDatabase") {
		dbs = slices.DeleteFunc(dbs, func(s string) bool { return s == d.Value })
		from = append(from, d)
	}
	if len(dbs) == 0 {
		w := fresh.Path
		if len(from) > 0 {
			w = fresh.Where(from[len(from)-1])
		}
		return fmt.Errorf("%s: ExcludeDatabase leaves no database to fetch", w)
	}
	m.set(&feed, "feed[0].", "databases", quoteList(dbs), fresh, from...)
	m.feeds = append(m.feeds, feed)

	var custom []string
	var cds []clamconf.Directive
	for _, d := range fresh.All("DatabaseCustomURL") {
		u, err := url.Parse(d.Value)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			m.note(fresh, d, "sigupdated fetches http(s) URLs only; load a local file with `sigtool import`")
			continue
		}
		custom = append(custom, d.Value)
		cds = append(cds, d)
	}
	if len(custom) > 0 {
		var f []entry
		m.set(&f, "feed[1].", "name", quote("custom"), fresh)
		m.set(&f, "feed[1].", "type", quote("files"), fresh)
		m.set(&f, "feed[1].", "urls", quoteList(custom), fresh, cds...)
		m.feeds = append(m.feeds, f)
		m.addNote("a files feed verifies each file against URL.sha256 (sha256sum's output) on the same server, which freshclam did not ask for: publish one beside each DatabaseCustomURL")
	}
	return nil
}

// mirrorURL is freshclam's reading of a mirror line: a scheme is added
// when none is given (https for DatabaseMirror, http for PrivateMirror),
// and every db.XY.clamav.net is database.clamav.net.
func mirrorURL(s string, official bool) string {
	if strings.HasPrefix(s, "db.") && strings.Contains(s, ".clamav.net") {
		return "https://database.clamav.net"
	}
	if strings.Contains(s, "://") {
		return strings.TrimSuffix(s, "/")
	}
	if official {
		return "https://" + strings.TrimSuffix(s, "/")
	}
	return "http://" + strings.TrimSuffix(s, "/")
}

// scan maps clamd.conf's sockets and limits onto [scan]. A clamd.conf
// with neither LocalSocket nor TCPSocket serves nothing, and neither does
// the import.
func (m *importer) scan(_, c *clamconf.File) error {
	if c == nil {
		return nil
	}
	_, unix := c.Last("LocalSocket")
	_, tcp := c.Last("TCPSocket")
	if !unix && !tcp {
		m.addNote("%s has no LocalSocket or TCPSocket: no [scan] service written", c.Path)
		return nil
	}
	const p = "scan."
	if d, ok := c.Last("LocalSocket"); ok {
		if !filepath.IsAbs(d.Value) {
			return fmt.Errorf("%s: LocalSocket %q is not an absolute path", c.Where(d), d.Value)
		}
		m.set(&m.scanT, p, "unix_socket", quote(d.Value), c, d)
		if !strings.HasPrefix(d.Value, unitRuntimeDir+"/") {
			m.addNote("the socket %s is outside %s, the only runtime folder the packaged unit may write: stop and disable clamav-daemon (it owns that path), then add ReadWritePaths=%s with `systemctl edit sigupdated` and make it writable for user sigtool; or point the clients at %s/clamd.sock",
				d.Value, unitRuntimeDir, filepath.Dir(d.Value), unitRuntimeDir)
		}
	}
	if d, ok := c.Last("LocalSocketMode"); ok {
		mode := d.Value
		if len(mode) < 4 {
			mode = strings.Repeat("0", 4-len(mode)) + mode
		}
		if n, err := strconv.ParseUint(mode, 8, 32); err != nil || n > 0o777 {
			return fmt.Errorf("%s: LocalSocketMode %q is not an octal mode like 660", c.Where(d), d.Value)
		}
		m.set(&m.scanT, p, "socket_mode", quote(mode), c, d)
	}
	if d, ok := c.Last("LocalSocketGroup"); ok {
		m.set(&m.scanT, p, "socket_group", quote(d.Value), c, d)
		m.addNote("the socket's group is %s: the daemon's user must be a member (adduser sigtool %s)", d.Value, d.Value)
	}
	if d, ok := c.Last("TCPSocket"); ok {
		port, err := c.Number(d)
		if err != nil {
			return err
		}
		if port < 1 || port > 65535 {
			return fmt.Errorf("%s: TCPSocket %d is not a port number", c.Where(d), port)
		}
		ds := []clamconf.Directive{d}
		host := "" // clamd listens on every address without TCPAddr
		addrs := c.All("TCPAddr")
		if len(addrs) > 0 {
			host = addrs[0].Value
			ds = append(ds, addrs[0])
			for _, a := range addrs[1:] {
				m.note(c, a, "[scan] listens on one TCP address; "+addrs[0].Value+" is used")
			}
		} else {
			m.addNote("clamd listens on every address when TCPAddr is not set, and so does this tcp; anyone who reaches it can scan files and stop the daemon: set a host in scan.tcp")
		}
		m.set(&m.scanT, p, "tcp", quote(net.JoinHostPort(host, strconv.Itoa(port))), c, ds...)
	} else {
		for _, a := range c.All("TCPAddr") {
			m.note(c, a, "no TCPSocket: clamd does not listen on TCP either")
		}
	}
	for _, s := range []struct{ directive, key string }{
		{"StreamMaxLength", "stream_max_length"},
		{"MaxFileSize", "max_filesize"},
		{"MaxScanSize", "max_scansize"},
	} {
		if d, ok := c.Last(s.directive); ok {
			n, err := c.Size(d)
			if err != nil {
				return err
			}
			m.set(&m.scanT, p, s.key, quote(bytesize.Format(n)), c, d)
		}
	}
	for _, s := range []struct{ directive, key string }{
		{"MaxThreads", "max_threads"},
		{"MaxQueue", "max_queue"},
		{"MaxFiles", "max_files"},
		{"MaxRecursion", "max_recursion"},
		{"CacheSize", "cache_size"},
	} {
		if d, ok := c.Last(s.directive); ok {
			n, err := c.Number(d)
			if err != nil {
				return err
			}
			m.set(&m.scanT, p, s.key, strconv.Itoa(n), c, d)
		}
	}
	for _, s := range []struct{ directive, key string }{
		{"CommandReadTimeout", "command_read_timeout"},
		{"ReadTimeout", "read_timeout"},
	} {
		if d, ok := c.Last(s.directive); ok {
			n, err := c.Number(d)
			if err != nil {
				return err
			}
			if n <= 0 {
				m.note(c, d, "sigupdated has no unbounded wait; its default "+s.key+" applies")
				continue
			}
			m.set(&m.scanT, p, s.key, quote(strconv.Itoa(n)+"s"), c, d)
		}
	}
	for _, s := range []struct{ directive, key string }{
		{"AlertExceedsMax", "alert_exceeds_max"},
		{"DetectPUA", "pua"},
		{"DisableCache", "disable_cache"},
	} {
		if d, ok := c.Last(s.directive); ok {
			m.set(&m.scanT, p, s.key, strconv.FormatBool(clamconf.Bool(d)), c, d)
		}
	}
	var off []string
	var offFrom []clamconf.Directive
	for _, s := range []struct{ directive, command string }{
		{"EnableShutdownCommand", "SHUTDOWN"},
		{"EnableReloadCommand", "RELOAD"},
		{"EnableVersionCommand", "VERSION"},
		{"EnableStatsCommand", "STATS"},
		{"AllowAllMatchScan", "ALLMATCHSCAN"},
	} {
		if d, ok := c.Last(s.directive); ok {
			if !clamconf.Bool(d) {
				off = append(off, s.command)
			}
			offFrom = append(offFrom, d)
		}
	}
	if len(offFrom) > 0 {
		m.set(&m.scanT, p, "disable_commands", quoteList(off), c, offFrom...)
	}
	return nil
}

// render writes the TOML: a header, the notes, the tables, and the
// directives not mapped as comments at the end.
func (m *importer) render(fresh, clamd *clamconf.File) []byte {
	var b strings.Builder
	from := fresh.Path
	if clamd != nil {
		from += " and " + clamd.Path
	}
	fmt.Fprintf(&b, "# sigupdated configuration imported from %s\n", from)
	b.WriteString("# by `sigupdated config import-freshclam`. Check it with `sigupdated config\n# check`; every key is in the README.\n")
	for _, n := range m.out.Notes {
		b.WriteString("#\n# NOTE: " + n + "\n")
	}
	writeTable := func(header string, es []entry) {
		if header != "" {
			b.WriteString("\n" + header + "\n")
		} else if len(es) > 0 {
			b.WriteString("\n")
		}
		for _, e := range es {
			for _, f := range e.from {
				b.WriteString("# " + f + "\n")
			}
			if e.why != "" {
				b.WriteString("# (" + e.why + ")\n")
			}
			b.WriteString(e.key + " = " + e.value + "\n")
		}
	}
	writeTable("", m.top)
	if len(m.scanT) > 0 {
		writeTable("[scan]", m.scanT)
	}
	for _, f := range m.feeds {
		writeTable("[[feed]]", f)
	}
	if len(m.out.Unmapped) > 0 {
		b.WriteString("\n# Not mapped:\n")
		for _, d := range m.out.Unmapped {
			b.WriteString("#   " + d.String() + "\n")
		}
	}
	return []byte(b.String())
}

// quote writes s as a TOML basic string.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\u%04X", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
