// Package postfixtest runs private Postfix instances on 127.0.0.1 for
// integration tests (../shared/docs/postfix-test-instance.md): their own
// configuration and queue directories, SMTP listeners with their own
// options (smtpd_milters), virtual delivery to Maildirs in the instance's
// directory. Tests that use it need Debian's postfix and root: Require
// skips without them, and fails under CI=true, where the Makefile
// installs postfix.
package postfixtest

import (
	"bytes"
	"fmt"
	"net"
	"net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// Require skips t without postfix or root, and fails it under CI=true.
func Require(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs Postfix instances")
	}
	_, err := exec.LookPath("postfix")
	if err == nil && os.Geteuid() != 0 {
		err = fmt.Errorf("euid %d, not root", os.Geteuid())
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("postfix and root are needed under CI (the Makefile installs postfix): %v", err)
		}
		t.Skipf("needs Debian's postfix and root: %v", err)
	}
}

// Listener is one smtpd on 127.0.0.1: Options are its master.cf -o
// settings ("smtpd_milters=inet:127.0.0.1:7357").
type Listener struct {
	Name    string
	Options []string
	Port    int // set by Start
}

// Config is what an instance is made of.
type Config struct {
	Listeners []*Listener
	// Mailboxes are the local parts under example.edu delivered to the
	// Maildir of that name ("ours" -> ours@example.edu -> DIR/mail/ours/).
	Mailboxes []string
	// Main holds extra main.cf lines (relayhost, milter timeouts, ...).
	Main []string
	// Hostname is myhostname; "gw.test" when empty.
	Hostname string
	// RelayTo makes the instance a sending server: it delivers nothing
	// itself and relays all mail to this host:port, keeping what is
	// refused with 4xx in its deferred queue.
	RelayTo string
}

// Instance is a running Postfix instance.
type Instance struct {
	Dir    string // world-traversable; etc/, spool/, data/, mail/ inside
	Config string // the configuration directory (postfix -c)
	cfg    Config
}

// FreePort returns a TCP port on 127.0.0.1 free at the moment.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Start makes and starts an instance; t's cleanup stops it and removes
// its directory.
func Start(t testing.TB, cfg Config) *Instance {
	t.Helper()
	// Postfix's daemons drop to the postfix user: every directory down to
	// the instance must be traversable, which t.TempDir's parent is not.
	dir, err := os.MkdirTemp("", "sigtool-postfix-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	in := &Instance{Dir: dir, Config: filepath.Join(dir, "etc"), cfg: cfg}
	must(t, os.Chmod(dir, 0o755))
	for _, d := range []string{"etc", "spool", "data", "mail"} {
		must(t, os.MkdirAll(filepath.Join(dir, d), 0o755))
	}
	run(t, "chown", "postfix", filepath.Join(dir, "data"))
	run(t, "chown", "nobody", filepath.Join(dir, "mail"))

	mcf, err := os.ReadFile("/etc/postfix/master.cf")
	must(t, err)
	var master strings.Builder
	for _, l := range strings.Split(string(mcf), "\n") {
		if strings.HasPrefix(l, "smtp ") && strings.Contains(l, "inet") {
			continue
		}
		master.WriteString(l + "\n")
	}
	for _, l := range cfg.Listeners {
		l.Port = FreePort(t)
		fmt.Fprintf(&master, "127.0.0.1:%d inet n - n - - smtpd\n", l.Port)
		for _, o := range l.Options {
			fmt.Fprintf(&master, "  -o %s\n", o)
		}
	}
	must(t, os.WriteFile(filepath.Join(in.Config, "master.cf"), []byte(master.String()), 0o644))
	var boxes strings.Builder
	for _, b := range cfg.Mailboxes {
		fmt.Fprintf(&boxes, "%s@example.edu %s/\n", b, b)
	}
	must(t, os.WriteFile(filepath.Join(in.Config, "vmailbox"), []byte(boxes.String()), 0o644))
	host := cfg.Hostname
	if host == "" {
		host = "gw.test"
	}
	main := strings.NewReplacer("T/", dir+"/", "HOST", host).Replace(`compatibility_level = 3.6
queue_directory = T/spool
data_directory = T/data
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = HOST
mydestination =
mynetworks = 127.0.0.0/8
DELIVERY
maillog_file = T/maillog
smtputf8_enable = no
smtp_tls_security_level = none
in_flow_delay = 0
`)
	delivery := strings.ReplaceAll(`virtual_mailbox_domains = example.edu
virtual_mailbox_base = T/mail
virtual_mailbox_maps = texthash:T/etc/vmailbox
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534`, "T/", dir+"/")
	if cfg.RelayTo != "" {
		h, p, _ := net.SplitHostPort(cfg.RelayTo)
		delivery = fmt.Sprintf("relay_domains = example.edu\nrelayhost = [%s]:%s", h, p)
	}
	main = strings.Replace(main, "DELIVERY", delivery, 1) + "maillog_file_prefixes = " + dir + "\n" + strings.Join(cfg.Main, "\n") + "\n"
	must(t, os.WriteFile(filepath.Join(in.Config, "main.cf"), []byte(main), 0o644))
	// Without a terminal postfix reports why it will not start only to
	// syslog; script(1) gives it one.
	if out, err := exec.Command("script", "-qc", "postfix -c "+in.Config+" start", "/dev/null").CombinedOutput(); err != nil {
		t.Fatalf("postfix start: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("postfix", "-c", in.Config, "stop").Run() })
	for _, l := range cfg.Listeners {
		in.waitListening(t, l.Port)
	}
	return in
}

func (in *Instance) waitListening(t testing.TB, port int) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			return
		}
	}
	t.Fatalf("smtpd on port %d did not listen in 30 s; maillog:\n%s", port, in.Log())
}

// Listener returns the listener called name.
func (in *Instance) Listener(name string) *Listener {
	for _, l := range in.cfg.Listeners {
		if l.Name == name {
			return l
		}
	}
	panic("postfixtest: no listener " + name)
}

// Addr is the host:port of the listener called name.
func (in *Instance) Addr(name string) string {
	return fmt.Sprintf("127.0.0.1:%d", in.Listener(name).Port)
}

// Log returns the instance's mail log so far.
func (in *Instance) Log() string {
	b, _ := os.ReadFile(filepath.Join(in.Dir, "maillog"))
	return string(b)
}

// Queue returns `postqueue -p`'s listing of the instance's queue.
func (in *Instance) Queue() string {
	out, _ := exec.Command("postqueue", "-c", in.Config, "-p").CombinedOutput()
	return string(out)
}

// QueueEmpty reports whether nothing is left in any queue.
func (in *Instance) QueueEmpty() bool {
	return strings.Contains(in.Queue(), "Mail queue is empty")
}

// Flush asks the queue manager to retry deferred mail now.
func (in *Instance) Flush() {
	exec.Command("postqueue", "-c", in.Config, "-f").Run()
}

// Maildir returns the messages delivered to the mailbox name, by file name.
func (in *Instance) Maildir(name string) map[string][]byte {
	msgs := map[string][]byte{}
	dir := filepath.Join(in.Dir, "mail", name, "new")
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if b, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil {
			msgs[e.Name()] = b
		}
	}
	return msgs
}

// MaildirPath is the directory mailbox name's new messages land in.
func (in *Instance) MaildirPath(name string) string {
	return filepath.Join(in.Dir, "mail", name, "new")
}

// Envelope is one message to send.
type Envelope struct {
	From string
	To   []string
	Data []byte
}

// Send sends one message over its own connection and returns the
// server's error (a *textproto.Error carries the SMTP code).
func Send(addr string, e Envelope) error {
	return smtp.SendMail(addr, nil, e.From, e.To, e.Data)
}

// Session sends messages one after another over one SMTP connection,
// RSET between them, as a sending MTA does.
type Session struct {
	c *smtp.Client
}

// Dial opens a session.
func Dial(addr string) (*Session, error) {
	c, err := smtp.Dial(addr)
	if err != nil {
		return nil, err
	}
	if err := c.Hello("client.test"); err != nil {
		c.Close()
		return nil, err
	}
	return &Session{c: c}, nil
}

// Send sends one message; an error from the server leaves the session
// usable for the next one.
func (s *Session) Send(e Envelope) error {
	err := s.send(e)
	if err != nil {
		s.c.Reset()
	}
	return err
}

func (s *Session) send(e Envelope) error {
	if err := s.c.Mail(e.From); err != nil {
		return err
	}
	for _, r := range e.To {
		if err := s.c.Rcpt(r); err != nil {
			return err
		}
	}
	w, err := s.c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(e.Data); err != nil {
		return err
	}
	return w.Close()
}

// Close ends the session.
func (s *Session) Close() error {
	s.c.Quit()
	return s.c.Close()
}

// Split cuts a delivered message at its first empty line: header, body.
func Split(msg []byte) (header, body []byte) {
	msg = bytes.ReplaceAll(msg, []byte("\r\n"), []byte("\n"))
	if bytes.HasPrefix(msg, []byte("\n")) {
		return nil, msg[1:]
	}
	if i := bytes.Index(msg, []byte("\n\n")); i >= 0 {
		return msg[:i+1], msg[i+2:]
	}
	return msg, nil
}

// Field returns the unfolded values of the header fields called name.
func Field(header []byte, name string) []string {
	var vals []string
	lines := strings.Split(string(header), "\n")
	for i := 0; i < len(lines); i++ {
		n, v, ok := strings.Cut(lines[i], ":")
		if !ok || !strings.EqualFold(strings.TrimSpace(n), name) {
			continue
		}
		for i+1 < len(lines) && (strings.HasPrefix(lines[i+1], " ") || strings.HasPrefix(lines[i+1], "\t")) {
			i++
			v += " " + strings.TrimSpace(lines[i])
		}
		vals = append(vals, strings.TrimSpace(v))
	}
	return vals
}

// Names lists the header's field names in order.
func Names(header []byte) []string {
	var names []string
	for _, l := range strings.Split(string(header), "\n") {
		if n, _, ok := strings.Cut(l, ":"); ok && !strings.HasPrefix(l, " ") && !strings.HasPrefix(l, "\t") {
			names = append(names, n)
		}
	}
	return slices.Clip(names)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func run(t testing.TB, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// Count returns the number of messages in the named queues ("incoming",
// "active", "deferred", "hold", "maildrop").
func (in *Instance) Count(queues ...string) int {
	n := 0
	for _, q := range queues {
		filepath.WalkDir(filepath.Join(in.Dir, "spool", q), func(_ string, d os.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				n++
			}
			return nil
		})
	}
	return n
}

// WaitIdle waits until nothing is left to deliver (held messages may
// stay); it fails t after timeout.
func (in *Instance) WaitIdle(t testing.TB, timeout time.Duration) {
	t.Helper()
	idle := 0
	for deadline := time.Now().Add(timeout); idle < 3; time.Sleep(100 * time.Millisecond) {
		if in.Count("maildrop", "incoming", "active", "deferred") == 0 {
			idle++
		} else {
			idle = 0
		}
		if time.Now().After(deadline) {
			t.Fatalf("Postfix still has mail to deliver after %v:\n%s", timeout, in.Queue())
		}
	}
}
