package mailscan

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func writePolicy(t *testing.T, name, body string) string {
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaultPolicyIsValid(t *testing.T) {
	p := DefaultPolicy()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if p.MaxAttachments != 99 || p.MaxMembers != 99 || p.LongFileName != 200 || !p.DeletePartial || !p.BlockEncrypted || p.ScanText {
		t.Fatalf("defaults drifted from the published policy: %+v", p)
	}
	if host, err := os.Hostname(); err == nil && p.Gateway != host {
		t.Fatalf("gateway %q, want the host name %q", p.Gateway, host)
	}
}

func TestLoadPolicy(t *testing.T) {
	const tomlText = `gateway = "mx1.isp.test"
domains = ["example.edu", ".example.net"]
max_attachments = 10
scan_text = true
[names]
encrypted = "ISP.Encrypted"
[text]
notice = "{FILE} was taken out."
`
	const yamlText = `gateway: mx1.isp.test
domains: [example.edu, .example.net]
max_attachments: 10
scan_text: true
names:
  encrypted: ISP.Encrypted
text:
  notice: "{FILE} was taken out."
`
	want := DefaultPolicy()
	want.Gateway = "mx1.isp.test"
	want.Domains = []string{"example.edu", ".example.net"}
	want.MaxAttachments = 10
	want.ScanText = true
	want.Names.Encrypted = "ISP.Encrypted"
	want.Text.Notice = "{FILE} was taken out."
	for name, body := range map[string]string{"p.toml": tomlText, "p.yaml": yamlText, "p.YML": yamlText} {
		got, err := LoadPolicy(writePolicy(t, name, body))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", name, got, want)
		}
	}
	// An empty file is the defaults.
	if got, err := LoadPolicy(writePolicy(t, "empty.yaml", "")); err != nil || !reflect.DeepEqual(got, DefaultPolicy()) {
		t.Errorf("empty yaml: %v", err)
	}
}

func TestLoadPolicyErrors(t *testing.T) {
	tests := []struct{ name, body, msg string }{
		{"p.toml", "max_attachment = 5\n", "unknown key"},
		{"p.yaml", "max_attachment: 5\n", "max_attachment"},
		{"p.toml", "gateway = \n", ""},
		{"p.json", "{}", "extension"},
		{"p.toml", "max_members = -1\n", "negative"},
		{"p.toml", "gateway = \"a\\nb\"\n", "gateway"},
		{"p.yaml", "text:\n  removed: no id here\n", "{QUARANTINE}"},
		{"p.yaml", "domains: [\"a@b\"]\n", "not a domain"},
		{"p.yaml", "addresses: [nobody]\n", "no @"},
		{"p.yaml", "names:\n  partial: \"\"\n", "names.partial"},
	}
	for _, tt := range tests {
		_, err := LoadPolicy(writePolicy(t, tt.name, tt.body))
		if !errors.Is(err, ErrPolicy) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%s %q: err = %v, want ErrPolicy mentioning %q", tt.name, tt.body, err, tt.msg)
		}
	}
	if _, err := LoadPolicy(filepath.Join(t.TempDir(), "missing.toml")); !errors.Is(err, ErrPolicy) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// FuzzLoadPolicy: any policy file either loads into a valid policy or
// fails with ErrPolicy; it never panics.
func FuzzLoadPolicy(f *testing.F) {
	f.Add("gateway = \"x\"\nmax_members = 3\n", true)
	f.Add("names:\n  encrypted: X\n", false)
	f.Add("[text]\nremoved = \"{QUARANTINE}\"\n", true)
	f.Add("- a\n- b\n", false)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, body string, isTOML bool) {
		name := "p.yaml"
		if isTOML {
			name = "p.toml"
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		p, err := LoadPolicy(path)
		if err != nil {
			if !errors.Is(err, ErrPolicy) {
				t.Fatalf("error without ErrPolicy: %v", err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("loaded an invalid policy: %v", err)
		}
	})
}
