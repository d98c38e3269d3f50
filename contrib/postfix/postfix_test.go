// Package postfix holds the Postfix setup of contrib/postfix and its test:
// a private Postfix instance on 127.0.0.1 with sigtool as its content
// filter through pipe(8), as master.cf here describes.
package postfix

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const repo = "../.."

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestPostfixContentFilter sends mail over SMTP into a real Postfix whose
// smtpd has content_filter=sigtool:dummy and checks what reaches the
// mailbox: a clean message unchanged, an infected one rewritten, a
// message/partial discarded (and not bounced), each through sigtool's
// pipe filter and sendmail's reinjection.
func TestPostfixContentFilter(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a Postfix instance")
	}
	postfix, err := exec.LookPath("postfix")
	if err != nil || os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatalf("postfix (%v) and root (euid %d) are needed under CI; the Makefile installs postfix", err, os.Geteuid())
		}
		t.Skipf("needs Debian's postfix and root: %v", err)
	}
	// Postfix's daemons drop to the postfix user: every directory down to
	// T must be traversable, which t.TempDir's parent is not.
	T, err := os.MkdirTemp("", "sigtool-postfix-")
	must(t, err)
	t.Cleanup(func() { os.RemoveAll(T) })
	must(t, os.Chmod(T, 0o755))
	for _, d := range []string{"etc", "spool", "data", "mail", "sigtool"} {
		must(t, os.MkdirAll(filepath.Join(T, d), 0o755))
	}
	run(t, "chown", "postfix", filepath.Join(T, "data"))
	run(t, "chown", "nobody", filepath.Join(T, "mail"))

	// sigtool, a store with the sample signatures and a quarantine, all
	// usable by the pipe's user (nobody).
	bin := filepath.Join(T, "sigtool", "sigtool")
	build := exec.Command("go", "build", "-o", bin, "./cmd/sigtool")
	build.Dir = repo
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	db := filepath.Join(T, "sigtool", "sigtool.db")
	sigs, _ := filepath.Glob(filepath.Join(repo, "testdata/run/signatures/*"))
	run(t, bin, append([]string{"--db", db, "import", "--feed", "sample"}, sigs...)...)
	qdir := filepath.Join(T, "sigtool", "q")
	must(t, os.MkdirAll(qdir, 0o755))
	run(t, "chown", "-R", "nobody", filepath.Join(T, "sigtool"))

	port := freePort(t)
	mcf, err := os.ReadFile("/etc/postfix/master.cf")
	must(t, err)
	var master strings.Builder
	for _, l := range strings.Split(string(mcf), "\n") {
		if strings.HasPrefix(l, "smtp ") && strings.Contains(l, "inet") {
			fmt.Fprintf(&master, "127.0.0.1:%d inet n - n - - smtpd\n  -o content_filter=sigtool:dummy\n", port)
			continue
		}
		master.WriteString(l + "\n")
	}
	// The filter entry of master.cf here, with the test's binary, store
	// and quarantine, and the pipe's user nobody.
	ours, err := os.ReadFile("master.cf")
	must(t, err)
	i := bytes.Index(ours, []byte("\nsigtool "))
	entry := string(ours[i+1:])
	entry = strings.Replace(entry, "user=sigtool", "user=nobody", 1)
	entry = strings.Replace(entry, "/usr/local/bin/sigtool mailscan",
		bin+" --db "+db+" mailscan --daemon none --quarantine "+qdir, 1)
	master.WriteString(entry)
	must(t, os.WriteFile(filepath.Join(T, "etc", "master.cf"), []byte(master.String()), 0o644))
	main := strings.NewReplacer("T/", T+"/").Replace(`compatibility_level = 3.6
queue_directory = T/spool
data_directory = T/data
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = gw.test
mydestination =
mynetworks = 127.0.0.0/8
virtual_mailbox_domains = example.edu
virtual_mailbox_base = T/mail
virtual_mailbox_maps = static:inbox/
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
maillog_file = T/maillog
maillog_file_prefixes = ` + T + `
smtputf8_enable = no
`)
	must(t, os.WriteFile(filepath.Join(T, "etc", "main.cf"), []byte(main), 0o644))
	cfg := filepath.Join(T, "etc")
	// sendmail's postdrop serves another configuration directory only
	// when the default main.cf names it (Postfix's multiple-instance
	// rule); say so for the test's time, then put the old value back.
	// A Postfix installed with "No configuration" has no main.cf at all;
	// give it an empty one for the test's time.
	if def := "/etc/postfix/main.cf"; fileMissing(def) {
		must(t, os.WriteFile(def, nil, 0o644))
		t.Cleanup(func() { os.Remove(def) })
	}
	old := strings.TrimSpace(run(t, "postconf", "-h", "alternate_config_directories"))
	run(t, "postconf", "-e", "alternate_config_directories = "+strings.TrimSpace(old+" "+cfg))
	t.Cleanup(func() { exec.Command("postconf", "-e", "alternate_config_directories = "+old).Run() })
	if out, err := exec.Command("script", "-qc", postfix+" -c "+cfg+" start", "/dev/null").CombinedOutput(); err != nil {
		t.Fatalf("postfix start: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command(postfix, "-c", cfg, "stop").Run() })

	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join(repo, "testdata/run/mail", name))
		must(t, err)
		return data
	}
	send := func(subject string, msg []byte) {
		t.Helper()
		msg = append([]byte("Subject: "+subject+"\r\n"), msg...)
		var err error
		for try := 0; try < 50; try++ { // smtpd may take a moment to listen
			if err = smtp.SendMail(fmt.Sprintf("127.0.0.1:%d", port), nil, "sender@example.org", []string{"user@example.edu"}, msg); err == nil {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
		log, _ := os.ReadFile(filepath.Join(T, "maillog"))
		chk, _ := exec.Command(postfix, "-c", cfg, "check").CombinedOutput()
		t.Fatalf("SMTP: %v\npostfix check: %s\nmaillog:\n%s", err, chk, log)
	}
	send("clean", read("clean.eml"))
	send("infected", read("infected-attachment.eml"))
	send("partial", read("partial.eml"))

	// Wait until the log shows all three through the filter, and the two
	// that go on delivered to the mailbox.
	inbox := filepath.Join(T, "mail", "inbox", "new")
	var got map[string]string
	deadline := time.Now().Add(60 * time.Second)
	for {
		got = map[string]string{}
		ents, _ := os.ReadDir(inbox)
		for _, e := range ents {
			data, _ := os.ReadFile(filepath.Join(inbox, e.Name()))
			for _, s := range []string{"clean", "infected", "partial"} {
				if bytes.Contains(data, []byte("Subject: "+s+"\n")) {
					got[s] = string(data)
				}
			}
		}
		log, _ := os.ReadFile(filepath.Join(T, "maillog"))
		if len(got) >= 2 && bytes.Count(log, []byte("relay=sigtool")) >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailbox has %v after 60 s; maillog:\n%s", keys(got), log)
		}
		time.Sleep(300 * time.Millisecond)
	}
	log, _ := os.ReadFile(filepath.Join(T, "maillog"))
	if n := bytes.Count(log, []byte("relay=sigtool, ")); n != 3 || bytes.Count(log, []byte("status=sent (delivered via sigtool service")) != 3 {
		t.Errorf("want three deliveries through the sigtool service; maillog:\n%s", log)
	}
	if bytes.Contains(log, []byte("status=bounced")) || bytes.Contains(log, []byte("status=deferred")) {
		t.Errorf("a message bounced or was deferred:\n%s", log)
	}
	if c := got["clean"]; !strings.HasSuffix(strings.ReplaceAll(c, "\r\n", "\n"), strings.ReplaceAll(string(read("clean.eml")), "\r\n", "\n")) {
		t.Errorf("the clean message changed:\n%s", c)
	}
	if c := got["infected"]; !strings.Contains(c, "is removed from here because it contains a virus") || strings.Contains(c, "SIGTOOL-TEST-BODY-SIGNATURE") {
		t.Errorf("the infected message was not rewritten:\n%s", c)
	}
	// Both carry the gateway's verdict.
	if !strings.Contains(got["clean"], "\nX-Virus-Status: Clean\n") || !strings.Contains(got["infected"], "\nX-Virus-Status: Infected (Sigtool.Sample.Body-1)\n") ||
		!strings.Contains(got["clean"], "\nX-Virus-Scanned: sigtool ") {
		t.Errorf("X-Virus-Scanned / X-Virus-Status missing:\n%s\n%s", got["clean"], got["infected"])
	}
	if _, ok := got["partial"]; ok {
		t.Errorf("the message/partial was delivered")
	}
	// The removed attachment and the discarded message are in the quarantine.
	q := run(t, bin, "quarantine", "--quarantine", qdir, "list")
	if !strings.Contains(q, "Sigtool.Sample.Body-1") || !strings.Contains(q, "Policy.Partial") {
		t.Errorf("quarantine:\n%s", q)
	}
}

func keys(m map[string]string) []string {
	var k []string
	for s := range m {
		k = append(k, s)
	}
	return k
}

func fileMissing(name string) bool {
	_, err := os.Stat(name)
	return errors.Is(err, fs.ErrNotExist)
}
