// Package packaging holds what installs sigtool on a machine (the systemd
// unit, the sysusers file, the example configurations, the Debian
// package's nfpm.yaml and maintainer scripts) and the tests that install
// it: `make install` and the .deb on a fresh Debian with ClamAV, booted
// with systemd in a container (systemd-nspawn over a debootstrap tree).
package packaging

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sigtool/sigtool/daemonconfig"
	"github.com/sigtool/sigtool/mailscan"
)

const repo = ".."

// need returns the path of a program a test cannot run without: missing,
// the test skips on a developer machine and fails under CI, whose
// Makefile installs it.
func need(t *testing.T, prog, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(prog)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not found under CI (Debian package %s, in the Makefile's DEB_PKGS)", prog, pkg)
		}
		t.Skipf("%s not found (Debian package %s)", prog, pkg)
	}
	return p
}

func runCmd(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestMakeInstallLayout: `make install` into a staging tree puts every
// piece where the system looks for it, with the unit naming the installed
// binary, and a second install keeps an operator's edited configuration.
func TestMakeInstallLayout(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binaries")
	}
	dest := t.TempDir()
	install := func() string {
		return runCmd(t, repo, nil, "make", "--no-print-directory", "install", "DESTDIR="+dest)
	}
	install()
	for _, f := range []string{
		"usr/local/bin/sigtool", "usr/local/bin/sigupdated",
		"usr/local/share/man/man1/sigtool.1.gz", "usr/local/share/man/man1/sigtool-scan.1.gz",
		"usr/local/share/man/man1/sigtool-quarantine-list.1.gz",
		"usr/local/share/bash-completion/completions/sigtool",
		"usr/local/share/zsh/site-functions/_sigtool",
		"usr/local/share/fish/vendor_completions.d/sigtool.fish",
		"usr/local/lib/systemd/system/sigupdated.service",
		"usr/local/lib/sysusers.d/sigtool.conf",
		"usr/local/share/doc/sigtool/LICENSE",
		"usr/local/share/doc/sigtool/examples/policy.toml",
		"etc/sigtool/sigupdated.toml", "etc/sigtool/policy.toml",
	} {
		st, err := os.Stat(filepath.Join(dest, f))
		if err != nil || st.Size() == 0 {
			t.Errorf("%s: %v (size %v)", f, err, st)
		}
	}
	unit, _ := os.ReadFile(filepath.Join(dest, "usr/local/lib/systemd/system/sigupdated.service"))
	if !bytes.Contains(unit, []byte("\nExecStart=/usr/local/bin/sigupdated --config /etc/sigtool/sigupdated.toml\n")) || bytes.Contains(unit, []byte("@BINDIR@")) || bytes.Contains(unit, []byte("@PREFIX@")) {
		t.Errorf("unit not filled in for PREFIX=/usr/local:\n%s", unit)
	}
	bash, _ := os.ReadFile(filepath.Join(dest, "usr/local/share/bash-completion/completions/sigtool"))
	if !bytes.Contains(bash, []byte("__start_sigtool")) {
		t.Errorf("bash completion does not complete sigtool")
	}
	policy := filepath.Join(dest, "etc/sigtool/policy.toml")
	os.WriteFile(policy, []byte("# edited by the operator\n"), 0o644)
	if out := install(); !strings.Contains(out, "kept "+policy) {
		t.Errorf("second install did not say it kept the edited configuration:\n%s", out)
	}
	if got, _ := os.ReadFile(policy); string(got) != "# edited by the operator\n" {
		t.Errorf("second install overwrote the operator's policy.toml: %q", got)
	}
	runCmd(t, repo, nil, "make", "--no-print-directory", "uninstall", "DESTDIR="+dest)
	if _, err := os.Stat(filepath.Join(dest, "usr/local/bin/sigtool")); !os.IsNotExist(err) {
		t.Errorf("uninstall left the binary: %v", err)
	}
	if _, err := os.Stat(policy); err != nil {
		t.Errorf("uninstall removed the configuration: %v", err)
	}
}

// TestMakeRunKeepsToItself: every sigtool command `make run` runs names
// the store under .run/, so it never writes into the invoking user's own
// default store.
func TestMakeRunKeepsToItself(t *testing.T) {
	out := runCmd(t, repo, []string{"HOME=/nonexistent"}, "make", "--no-print-directory", "-n", "run")
	n := 0
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "./bin/sigtool ") {
			n++
			if !strings.Contains(l, "--db .run/") {
				t.Errorf("make run: %q uses the default store", l)
			}
		}
	}
	if n < 5 {
		t.Fatalf("make -n run shows %d sigtool commands:\n%s", n, out)
	}
}

// TestUnitVerifies: systemd's own check of the installed unit, and its
// exposure score, on any machine with systemd-analyze (systemd need not
// be running).
func TestUnitVerifies(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binaries")
	}
	analyze := need(t, "systemd-analyze", "systemd")
	prefix := t.TempDir()
	runCmd(t, repo, nil, "make", "--no-print-directory", "install", "PREFIX="+prefix, "SYSCONFDIR="+prefix+"/etc")
	unit := filepath.Join(prefix, "lib/systemd/system/sigupdated.service")
	cmd := exec.Command(analyze, "verify", unit)
	cmd.Env = append(os.Environ(), "MANPATH="+filepath.Join(prefix, "share/man")+":")
	if out, err := cmd.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	out, _ := exec.Command(analyze, "security", "--offline=yes", unit).CombinedOutput()
	m := regexp.MustCompile(`Overall exposure level for sigupdated.service: ([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no exposure level:\n%s", out)
	}
	var level float64
	fmt.Sscan(string(m[1]), &level)
	if level > 2.0 {
		t.Errorf("exposure level %.1f, want at most 2.0 (systemd's \"OK\")\n%s", level, out)
	}
}

// TestInstallOnDebian is the operator's ten minutes on a fresh Debian with
// ClamAV installed, run for real: a debootstrap tree (the host's release,
// with systemd and clamav), booted with systemd as PID 1 in systemd-nspawn.
// There `make install` and then the .deb each give a `sigtool` that is
// ours in PATH, with ClamAV's still there, and a sigupdated that
// `systemctl start` runs under the hardened unit.
func TestInstallOnDebian(t *testing.T) {
	if testing.Short() {
		t.Skip("boots a Debian container")
	}
	if os.Geteuid() != 0 {
		t.Skip("debootstrap and systemd-nspawn need root")
	}
	need(t, "debootstrap", "debootstrap")
	nspawn := need(t, "systemd-nspawn", "systemd-container")
	root := debianTree(t)

	// Boot it. Without a systemd on the host there is no machined to ask,
	// so the container is reached through its PID 1's namespaces.
	boot := exec.Command(nspawn, "-q", "-D", root, "--register=no", "--keep-unit", "--boot", "--console=pipe", "--private-network",
		"--machine=sigtool-test")
	var console bytes.Buffer
	boot.Stdout, boot.Stderr = &console, &console
	if err := boot.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		boot.Process.Kill()
		boot.Wait()
	})
	c := &container{t: t}
	deadline := time.Now().Add(2 * time.Minute)
	for c.pid == 0 || !c.running() {
		if time.Now().After(deadline) {
			t.Fatalf("container did not come up:\n%s", console.String())
		}
		time.Sleep(500 * time.Millisecond)
		c.pid = childOf(boot.Process.Pid)
	}

	clamav := c.run("sh", "-c", "/usr/bin/sigtool --version")
	if !strings.HasPrefix(clamav, "ClamAV ") {
		t.Fatalf("the tree's /usr/bin/sigtool is not ClamAV's: %q", clamav)
	}

	sigs, _ := filepath.Glob(filepath.Join(repo, "testdata/run/signatures/*"))
	for _, f := range append(sigs, filepath.Join(repo, "testdata/run/mail/infected-attachment.eml")) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		writeInto(t, root, "/srv/sample/"+filepath.Base(f), data)
	}
	t.Run("make install", func(t *testing.T) {
		c.t = t
		runCmd(t, repo, nil, "make", "--no-print-directory", "install", "DESTDIR="+root)
		t.Cleanup(func() {
			exec.Command("nsenter", "-t", fmt.Sprint(c.pid), "-a", "systemctl", "stop", "sigupdated").Run()
			runCmd(t, repo, nil, "make", "--no-print-directory", "uninstall", "DESTDIR="+root)
			exec.Command("nsenter", "-t", fmt.Sprint(c.pid), "-a", "systemctl", "daemon-reload").Run()
		})
		c.run("systemd-sysusers")
		c.run("systemctl", "daemon-reload")
		c.checkPath("/usr/local/bin/sigtool", true)
		c.checkService()
	})
	t.Run("make uninstall", func(t *testing.T) {
		c.t = t
		c.checkPath("/usr/bin/sigtool", false)
		if out := c.run("sh", "-c", "systemctl cat sigupdated 2>&1 || true"); !strings.Contains(out, "No files found") {
			t.Errorf("the unit is still there after make uninstall:\n%s", out)
		}
	})
	t.Run("deb", func(t *testing.T) {
		c.t = t
		runCmd(t, repo, nil, "make", "--no-print-directory", "deb")
		debs, _ := filepath.Glob(filepath.Join(repo, "bin", "sigtool_*.deb"))
		if len(debs) != 1 {
			t.Fatalf("make deb made %v", debs)
		}
		data, err := os.ReadFile(debs[0])
		if err != nil {
			t.Fatal(err)
		}
		writeInto(t, root, "/root/sigtool.deb", data)
		c.run("dpkg", "-i", "/root/sigtool.deb") // postinst creates the user, enables and starts the unit
		c.checkPath("/usr/bin/sigtool", true)
		if v := c.run("clamav-sigtool", "--version"); !strings.HasPrefix(v, "ClamAV ") {
			t.Errorf("ClamAV's sigtool is not kept as clamav-sigtool: %q", v)
		}
		c.checkService()
		c.run("systemctl", "reload", "sigupdated")
		c.run("dpkg", "-r", "sigtool")
		if v := c.run("sh", "-c", "sigtool --version"); !strings.HasPrefix(v, "ClamAV ") {
			t.Errorf("after dpkg -r, sigtool is not ClamAV's again: %q", v)
		}
		if out := c.run("dpkg-divert", "--list", "sigtool*"); strings.TrimSpace(out) != "" {
			t.Errorf("diversions left after dpkg -r: %s", out)
		}
	})
}

func writeInto(t *testing.T, root, path string, data []byte) {
	t.Helper()
	p := filepath.Join(root, path)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

type container struct {
	t   *testing.T
	pid int
}

// run runs a command inside the container and returns its output.
func (c *container) run(args ...string) string {
	c.t.Helper()
	full := append([]string{"-t", fmt.Sprint(c.pid), "-a", "env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"}, args...)
	out, err := exec.Command("nsenter", full...).CombinedOutput()
	if err != nil {
		c.t.Fatalf("in the container: %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (c *container) running() bool {
	out, _ := exec.Command("nsenter", "-t", fmt.Sprint(c.pid), "-a", "systemctl", "is-system-running").Output()
	s := strings.TrimSpace(string(out))
	return s == "running" || s == "degraded"
}

// checkPath: a login shell's PATH (Debian's /etc/profile, for root and
// for an ordinary user) finds want as sigtool, and it is ours or not.
func (c *container) checkPath(want string, ours bool) {
	c.t.Helper()
	for _, who := range [][]string{{"sh", "-lc"}, {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sh", "-lc"}} {
		got := strings.TrimSpace(c.run(append(who, "command -v sigtool")...))
		if got != want {
			c.t.Errorf("%v: sigtool is %q, want %q", who[0], got, want)
		}
	}
	if v := c.run("sh", "-lc", "sigtool --version"); strings.HasPrefix(v, "sigtool ") != ours {
		c.t.Errorf("sigtool --version = %q; want ours: %v", v, ours)
	}
}

// checkService fills the store (as the sigtool user, the sample
// signatures), starts sigupdated and checks that it runs, hardened, as the
// sigtool user, and serves: a message through its clamd socket
// (`sigtool mailscan -`, which uses the daemon) comes back cleaned.
func (c *container) checkService() {
	c.t.Helper()
	c.run("install", "-d", "-o", "sigtool", "-g", "sigtool", "-m", "0750", "/var/lib/sigtool")
	c.run("sh", "-lc", "setpriv --reuid=sigtool --regid=sigtool --init-groups sigtool --db /var/lib/sigtool/sigtool.db import --feed sample /srv/sample/sample.*")
	c.run("systemctl", "start", "sigupdated")
	// The first compile takes a second on a quiet machine and far longer
	// on a loaded CI host: wait for it with a deadline, not a count.
	for deadline := time.Now().Add(90 * time.Second); !strings.Contains(c.run("sh", "-c", "journalctl -u sigupdated --no-pager || true"), "engine swapped"); {
		if time.Now().After(deadline) {
			c.t.Errorf("sigupdated swapped in no engine in 90 s:\n%s", c.run("sh", "-c", "journalctl -u sigupdated --no-pager | tail -20"))
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	if s := strings.TrimSpace(c.run("sh", "-c", "systemctl is-active sigupdated || true")); s != "active" {
		c.t.Errorf("sigupdated is %s:\n%s", s, c.run("sh", "-c", "journalctl -u sigupdated --no-pager | tail -20"))
		return
	}
	show := c.run("systemctl", "show", "sigupdated", "-p", "User", "-p", "ProtectSystem", "-p", "StateDirectory", "-p", "RuntimeDirectory")
	for _, want := range []string{"User=sigtool", "ProtectSystem=strict", "StateDirectory=sigtool", "RuntimeDirectory=sigtool"} {
		if !strings.Contains(show, want+"\n") {
			c.t.Errorf("unit lacks %s:\n%s", want, show)
		}
	}
	if got := strings.TrimSpace(c.run("stat", "-c", "%U:%G %a", "/run/sigtool/clamd.sock")); got != "sigtool:sigtool 660" {
		c.t.Errorf("clamd socket is %s, want sigtool:sigtool 660", got)
	}
	out := c.run("sh", "-lc", "sigtool mailscan - < /srv/sample/infected-attachment.eml; echo exit=$?")
	if !strings.Contains(out, "is removed from here because it contains a virus") || !strings.Contains(out, "exit=0") {
		c.t.Errorf("a message through the daemon's socket:\n%s", out)
	}
}

// childOf returns the first child process of pid, 0 if none yet.
func childOf(pid int) int {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	for _, f := range tasks {
		data, _ := os.ReadFile(f)
		var child int
		if _, err := fmt.Sscan(string(data), &child); err == nil {
			return child
		}
	}
	return 0
}

// debianTree returns a fresh copy of a minimal Debian tree of the host's
// release with systemd and ClamAV. The debootstrap (a few minutes) is
// kept in root's cache directory and reused; each test gets its own copy.
func debianTree(t *testing.T) string {
	t.Helper()
	release := "bookworm"
	if data, err := os.ReadFile("/etc/os-release"); err == nil {
		if m := regexp.MustCompile(`(?m)^VERSION_CODENAME=(\w+)$`).FindSubmatch(data); m != nil {
			release = string(m[1])
		}
	}
	pkgs := "systemd,systemd-sysv,dbus,clamav,procps,util-linux"
	sum := sha256.Sum256([]byte(release + " " + pkgs))
	cacheDir, err := os.UserCacheDir()
	if err != nil {
		cacheDir = os.TempDir()
	}
	cache := filepath.Join(cacheDir, "sigtool-tests", release+"-"+hex.EncodeToString(sum[:4]))
	if _, err := os.Stat(filepath.Join(cache, "usr/bin/clamscan")); err != nil {
		os.RemoveAll(cache)
		tmp := cache + ".tmp"
		os.RemoveAll(tmp)
		if err := os.MkdirAll(filepath.Dir(cache), 0o755); err != nil {
			t.Fatal(err)
		}
		t.Logf("debootstrap %s into %s (once; a few minutes)", release, cache)
		runCmd(t, "", nil, "debootstrap", "--variant=minbase", "--include="+pkgs, release, tmp)
		if err := os.Rename(tmp, cache); err != nil {
			t.Fatal(err)
		}
	}
	root := filepath.Join(t.TempDir(), "root")
	runCmd(t, "", nil, "cp", "-a", cache, root)
	t.Cleanup(func() { os.RemoveAll(root) })
	return root
}

// TestExampleConfigs: the shipped examples are valid as they are, and the
// policy example shows every key with its default value.
func TestExampleConfigs(t *testing.T) {
	data, err := os.ReadFile("etc/sigupdated.toml")
	if err != nil {
		t.Fatal(err)
	}
	// The example names the installed policy; check it against ours.
	data = bytes.ReplaceAll(data, []byte(`"/etc/sigtool/policy.toml"`), []byte(`"etc/policy.toml"`))
	cfg, err := daemonconfig.Parse(data)
	if err != nil {
		t.Fatalf("etc/sigupdated.toml: %v", err)
	}
	if cfg.DB != "/var/lib/sigtool/sigtool.db" || cfg.Scan == nil || !strings.HasPrefix(cfg.Scan.UnixSocket, "/run/sigtool/") {
		t.Errorf("example does not use the unit's directories: db %q, scan %+v", cfg.DB, cfg.Scan)
	}
	p, err := mailscan.LoadPolicy("etc/policy.toml")
	if err != nil {
		t.Fatalf("etc/policy.toml: %v", err)
	}
	def := mailscan.DefaultPolicy()
	p.Gateway = def.Gateway // commented out in the example: the host name
	if len(p.Domains) == 0 && len(p.Addresses) == 0 {
		p.Domains, p.Addresses = def.Domains, def.Addresses // [] in the file, nil by default
	}
	if !reflect.DeepEqual(p, def) {
		t.Errorf("etc/policy.toml differs from the defaults it documents:\n got %+v\nwant %+v", p, def)
	}
	for _, key := range tomlKeys(reflect.TypeOf(def)) {
		if !regexp.MustCompile(`(?m)^#?` + regexp.QuoteMeta(key) + ` = `).MatchString(string(mustRead(t, "etc/policy.toml"))) {
			t.Errorf("etc/policy.toml does not show %s", key)
		}
	}
}

func mustRead(t *testing.T, p string) []byte {
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// tomlKeys lists the leaf keys of a struct's toml tags.
func tomlKeys(typ reflect.Type) []string {
	var keys []string
	for i := range typ.NumField() {
		f := typ.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if name == "" || name == "-" {
			continue
		}
		if f.Type.Kind() == reflect.Struct {
			keys = append(keys, tomlKeys(f.Type)...)
			continue
		}
		keys = append(keys, name)
	}
	return keys
}
