package daemonconfig

import (
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sigtool/sigtool/feeds"
	"github.com/sigtool/sigtool/mailscan"
)

// Milter is the [milter] table: the milter service Postfix and Sendmail
// call during the SMTP dialogue (smtpd_milters, INPUT_MAIL_FILTER). It
// applies the gateway policy ([mail], or its own policy file) to each
// message and answers with the changes.
type Milter struct {
	// Listen is the socket in Postfix's notation: "inet:host:port" or
	// "unix:/path"; Sendmail's "inet:port@host" is read too. A bare
	// port listens on 127.0.0.1 only.
	Listen string `toml:"listen"`
	// SocketMode and SocketGroup apply to a unix socket as in [scan].
	SocketMode  string `toml:"socket_mode"`
	SocketGroup string `toml:"socket_group"`

	// Policy is a policy file for the milter's mail; empty means [mail]'s.
	Policy string `toml:"policy"`

	// OnError is the answer for a message that could not be fully
	// handled (an internal error, a scan or quarantine failure, no
	// signatures loaded, ScanTimeout): "tempfail" (the default: the
	// sending server keeps it and retries), "reject" (5xx, the sender
	// gets a bounce) or "accept" (delivered unscanned, with an
	// status field of the policy's [headers] saying so: an operator's
	// explicit choice).
	OnError string `toml:"on_error"`
	// OnOversize is the answer for a message over MaxSize or MaxHeaders;
	// empty means OnError's. It is never scanned in part: truncated mail
	// could hide what the cut-off rest holds.
	OnOversize string `toml:"on_oversize"`
	// OnDelete is what a message the policy deletes (message/partial, too
	// many attachments) gets: "discard" (the default, as the gateway spec
	// says: accepted and dropped, the original in the quarantine) or
	// "reject" (550, the sender learns of it).
	OnDelete string `toml:"on_delete"`

	// MaxSize bounds a message (header and body) the milter collects and
	// scans; MaxHeaders its header fields.
	MaxSize    Size `toml:"max_size"`
	MaxHeaders int  `toml:"max_headers"`
	// ScanTimeout bounds the scan of one message, from the end of its
	// data to the verdict. The milter tells the MTA every second that it
	// is still working, so the MTA's own milter timeouts do not cut a
	// long scan short; this one does.
	ScanTimeout feeds.Duration `toml:"scan_timeout"`
}

// What on_error, on_oversize and on_delete may say.
const (
	MilterTempfail = "tempfail"
	MilterReject   = "reject"
	MilterAccept   = "accept"
	MilterDiscard  = "discard"
)

// The [milter] defaults.
const (
	DefaultMilterMaxSize     = 100 << 20
	DefaultMilterMaxHeaders  = 10000
	DefaultMilterScanTimeout = 120 * time.Second
)

func (m *Milter) applyDefaults() {
	if m.SocketMode == "" {
		m.SocketMode = DefaultSocketMode
	}
	if m.OnError == "" {
		m.OnError = MilterTempfail
	}
	if m.OnOversize == "" {
		m.OnOversize = m.OnError
	}
	if m.OnDelete == "" {
		m.OnDelete = MilterDiscard
	}
	if m.MaxSize == 0 {
		m.MaxSize = DefaultMilterMaxSize
	}
	if m.MaxHeaders == 0 {
		m.MaxHeaders = DefaultMilterMaxHeaders
	}
	if m.ScanTimeout.Duration == 0 {
		m.ScanTimeout.Duration = DefaultMilterScanTimeout
	}
}

func (m *Milter) validate() error {
	if _, _, err := m.Network(); err != nil {
		return &Error{Key: "milter.listen", Msg: err.Error()}
	}
	if _, err := (&Scan{SocketMode: m.SocketMode}).Mode(); err != nil {
		return &Error{Key: "milter.socket_mode", Msg: err.Error()}
	}
	if _, err := (&Scan{SocketGroup: m.SocketGroup}).GroupID(); err != nil {
		return &Error{Key: "milter.socket_group", Msg: err.Error()}
	}
	if m.Policy != "" {
		if _, err := mailscan.LoadPolicy(m.Policy); err != nil {
			return &Error{Key: "milter.policy", Msg: err.Error()}
		}
	}
	for _, kv := range [][2]string{{"milter.on_error", m.OnError}, {"milter.on_oversize", m.OnOversize}} {
		if v := kv[1]; v != MilterTempfail && v != MilterReject && v != MilterAccept {
			return &Error{Key: kv[0], Msg: fmt.Sprintf("%q: want tempfail, reject or accept", v)}
		}
	}
	if m.OnDelete != MilterDiscard && m.OnDelete != MilterReject {
		return &Error{Key: "milter.on_delete", Msg: fmt.Sprintf("%q: want discard or reject", m.OnDelete)}
	}
	if m.MaxSize < 1<<10 {
		return &Error{Key: "milter.max_size", Msg: "at least 1K"}
	}
	if m.MaxHeaders < 1 {
		return &Error{Key: "milter.max_headers", Msg: "at least 1"}
	}
	if m.ScanTimeout.Duration < 0 {
		return &Error{Key: "milter.scan_timeout", Msg: "negative"}
	}
	return nil
}

// Network returns Listen as net.Listen's network and address.
func (m *Milter) Network() (network, address string, err error) {
	kind, rest, ok := strings.Cut(m.Listen, ":")
	if !ok {
		return "", "", fmt.Errorf("%q: want \"inet:host:port\" or \"unix:/path\"", m.Listen)
	}
	switch kind {
	case "unix", "local":
		if !filepath.IsAbs(rest) {
			return "", "", fmt.Errorf("%q: the socket must be an absolute path", m.Listen)
		}
		return "unix", rest, nil
	case "inet", "inet6":
		host, port := "127.0.0.1", rest
		if p, h, ok := strings.Cut(rest, "@"); ok { // Sendmail: inet:port@host
			host, port = h, p
		} else if strings.Contains(rest, ":") {
			if host, port, err = net.SplitHostPort(rest); err != nil {
				return "", "", fmt.Errorf("%q: %w", m.Listen, err)
			}
		}
		if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			return "", "", fmt.Errorf("%q: port %q is not a number", m.Listen, port)
		}
		network = "tcp4"
		if kind == "inet6" {
			network = "tcp6"
		}
		return network, net.JoinHostPort(host, port), nil
	}
	return "", "", fmt.Errorf("%q: want \"inet:host:port\" or \"unix:/path\"", m.Listen)
}

// LoadPolicy returns the milter's own policy, and false when it uses [mail]'s.
func (m *Milter) LoadPolicy() (mailscan.Policy, bool, error) {
	if m.Policy == "" {
		return mailscan.Policy{}, false, nil
	}
	p, err := mailscan.LoadPolicy(m.Policy)
	return p, true, err
}
