package mailscan

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"
	"gopkg.in/yaml.v3"
)

// Policy is the gateway policy. DefaultPolicy returns the ISP's published
// defaults; a policy file overrides any subset of the fields.
type Policy struct {
	// Gateway names this host in the banner.
	Gateway string `toml:"gateway" yaml:"gateway"`

	// Scope: mail for these recipient domains or addresses is scanned,
	// other mail is delivered untouched. Both empty means scan all.
	Domains   []string `toml:"domains" yaml:"domains"`
	Addresses []string `toml:"addresses" yaml:"addresses"`
	// ScanOutbound scans mail whose envelope direction is "outbound".
	ScanOutbound bool `toml:"scan_outbound" yaml:"scan_outbound"`

	// ScanText scans text bodies too, not only binary attachments.
	ScanText bool `toml:"scan_text" yaml:"scan_text"`
	// ScanEmbedded scans files hidden inside other parts: uuencoded
	// blocks in text bodies and the attachments of TNEF (winmail.dat).
	ScanEmbedded bool `toml:"scan_embedded" yaml:"scan_embedded"`
	// Clean rebuilds archives without their infected members instead of
	// removing the whole attachment (zip and tar only).
	Clean bool `toml:"clean" yaml:"clean"`

	// DeletePartial deletes any message holding a message/partial part.
	DeletePartial bool `toml:"delete_partial" yaml:"delete_partial"`
	// MaxAttachments: a message with more binary attachments is deleted
	// (0: no limit).
	MaxAttachments int `toml:"max_attachments" yaml:"max_attachments"`
	// MaxMembers: an archive attachment listing more members is removed
	// (0: no limit). Nested archives' members are not counted.
	MaxMembers int `toml:"max_members" yaml:"max_members"`
	// LongFileName: an attachment whose name, as sent in the header, is
	// this many bytes or longer is removed (0: no limit).
	LongFileName int `toml:"long_file_name" yaml:"long_file_name"`
	// BlockEncrypted removes encrypted attachments and parts.
	BlockEncrypted bool `toml:"block_encrypted" yaml:"block_encrypted"`
	// Unscannable is what happens to an attachment that could not be
	// scanned completely: a container or compression method we cannot
	// open, or a scan limit (and, with DamagedUnscannable, a damaged
	// archive). OnUnscannableRemove (the
	// default) treats it as the spec treats encrypted attachments;
	// OnUnscannableDeliver delivers it and says so in a header field;
	// OnUnscannableTempfail leaves the message unhandled, so the MTA
	// retries and finally bounces it.
	Unscannable string `toml:"unscannable" yaml:"unscannable"`
	// DamagedUnscannable makes a damaged or truncated archive unscannable
	// (Policy.Unscannable.Corrupt). Off by default: as ClamAV, the
	// attachment is judged on its bytes and the members that could be
	// read, since clean mail carries cut archives and no reader can open
	// more of them.
	DamagedUnscannable bool `toml:"damaged_unscannable" yaml:"damaged_unscannable"`

	Names   PolicyNames `toml:"names" yaml:"names"`
	Text    Texts       `toml:"text" yaml:"text"`
	Headers Headers     `toml:"headers" yaml:"headers"`
}

// PolicyNames are the signature names reported for policy findings.
type PolicyNames struct {
	Encrypted          string `toml:"encrypted" yaml:"encrypted"`
	LongFileName       string `toml:"long_file_name" yaml:"long_file_name"`
	TooManyMembers     string `toml:"too_many_members" yaml:"too_many_members"`
	Partial            string `toml:"partial" yaml:"partial"`
	TooManyAttachments string `toml:"too_many_attachments" yaml:"too_many_attachments"`
	// Unscannable is the prefix of the unscannable names: NAME.KIND with
	// KIND one of the Unscannable* kinds ("Policy.Unscannable.Corrupt").
	Unscannable string `toml:"unscannable" yaml:"unscannable"`
}

// What Policy.Unscannable may say.
const (
	OnUnscannableRemove   = "remove"
	OnUnscannableDeliver  = "deliver"
	OnUnscannableTempfail = "tempfail"
)

// Why an attachment could not be scanned: the last part of its name.
const (
	UnscannableLimit     = "OverLimit"         // a scan limit cut it (size, files, depth, ratio)
	UnscannableContainer = "UnknownContainer"  // a container we recognise but cannot open (CAB, ARJ, UPX...)
	UnscannableMethod    = "UnsupportedMethod" // an archive member compressed in a way we cannot decode
	UnscannableCorrupt   = "Corrupt"           // a damaged or truncated archive (with DamagedUnscannable)
)

// Texts are the templates of what the gateway writes into mail. Lines are
// separated by "\n" and written with the message's own line ending.
// Placeholders: {GATEWAY}, {NAME}, {FILE}, {QUARANTINE}.
type Texts struct {
	Cleaned string `toml:"cleaned" yaml:"cleaned"` // banner block, cleaned archive
	Removed string `toml:"removed" yaml:"removed"` // banner block, removed attachment
	Notice  string `toml:"notice" yaml:"notice"`   // body of the part left in its place
}

// DefaultPolicy returns the published defaults. Gateway is the host name.
func DefaultPolicy() Policy {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	const head = "------------------ Virus Warning Message (on {GATEWAY})\n"
	const tail = "\n---------------------------------------------------------"
	return Policy{
		Gateway:        host,
		ScanEmbedded:   true,
		Clean:          true,
		DeletePartial:  true,
		MaxAttachments: 99,
		MaxMembers:     99,
		LongFileName:   200,
		BlockEncrypted: true,
		Unscannable:    OnUnscannableRemove,
		Names: PolicyNames{
			Encrypted:          "Policy.Encrypted",
			LongFileName:       "Policy.LongFileName",
			TooManyMembers:     "Policy.TooManyMembers",
			Partial:            "Policy.Partial",
			TooManyAttachments: "Policy.TooManyAttachments",
			Unscannable:        "Policy.Unscannable",
		},
		Headers: Headers{Add: true, Scanned: ScannedField, Status: StatusField},
		Text: Texts{
			Cleaned: head + "Found virus {NAME} in file {FILE}\nThe file is cleaned." + tail,
			Removed: head + "Found virus {NAME} in file {FILE}\nThe uncleanable file {FILE} is moved to {QUARANTINE}" + tail,
			Notice:  "{FILE} is removed from here because it contains a virus.",
		},
	}
}

// LoadPolicy reads a policy file, TOML (.toml) or YAML (.yaml, .yml), over
// the defaults. Unknown keys are errors: a misspelt rule must not silently
// fall back to its default.
func LoadPolicy(path string) (Policy, error) {
	p := DefaultPolicy()
	data, err := os.ReadFile(path)
	if err != nil {
		return Policy{}, fmt.Errorf("%w: %w", ErrPolicy, err)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".toml":
		md, err := toml.Decode(string(data), &p)
		if err != nil {
			return Policy{}, fmt.Errorf("%w: %s: %w", ErrPolicy, path, err)
		}
		if und := md.Undecoded(); len(und) > 0 {
			return Policy{}, fmt.Errorf("%w: %s: unknown key %q", ErrPolicy, path, und[0].String())
		}
	case ".yaml", ".yml":
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&p); err != nil && len(bytes.TrimSpace(data)) > 0 {
			return Policy{}, fmt.Errorf("%w: %s: %w", ErrPolicy, path, err)
		}
	default:
		return Policy{}, fmt.Errorf("%w: %s: extension must be .toml, .yaml or .yml", ErrPolicy, path)
	}
	if err := p.Validate(); err != nil {
		return Policy{}, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// Validate reports the first setting that cannot work.
func (p *Policy) Validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrPolicy, fmt.Sprintf(format, a...))
	}
	if p.Gateway == "" || strings.ContainsAny(p.Gateway, "\r\n") {
		return bad("gateway must be one non-empty line")
	}
	if p.MaxAttachments < 0 || p.MaxMembers < 0 || p.LongFileName < 0 {
		return bad("limits must not be negative")
	}
	for key, v := range map[string]string{
		"names.encrypted": p.Names.Encrypted, "names.long_file_name": p.Names.LongFileName,
		"names.too_many_members": p.Names.TooManyMembers, "names.partial": p.Names.Partial,
		"names.too_many_attachments": p.Names.TooManyAttachments, "names.unscannable": p.Names.Unscannable,
	} {
		if v == "" || strings.ContainsAny(v, "\r\n") {
			return bad("%s must be one non-empty line", key)
		}
	}
	switch p.Unscannable {
	case OnUnscannableRemove, OnUnscannableDeliver, OnUnscannableTempfail:
	default:
		return bad("unscannable must be %q, %q or %q, not %q", OnUnscannableRemove, OnUnscannableDeliver, OnUnscannableTempfail, p.Unscannable)
	}
	if !strings.Contains(p.Text.Removed, "{QUARANTINE}") {
		// Without the ID nobody can find the removed file again.
		return bad("text.removed must contain {QUARANTINE}")
	}
	if p.Text.Cleaned == "" || p.Text.Notice == "" {
		return bad("text.cleaned and text.notice must not be empty")
	}
	for key, v := range map[string]string{"headers.scanned": p.Headers.Scanned, "headers.status": p.Headers.Status} {
		if v != "" && !validHeaderName(v) {
			return bad("%s %q is not a field name a gateway may add (printable ASCII without a colon, not a Content-, trace or address field)", key, v)
		}
	}
	if p.Headers.Scanned != "" && strings.EqualFold(p.Headers.Scanned, p.Headers.Status) {
		return bad("headers.scanned and headers.status must differ")
	}
	for _, d := range p.Domains {
		if d == "" || strings.ContainsAny(d, "@ \t") {
			return bad("domain %q is not a domain", d)
		}
	}
	for _, a := range p.Addresses {
		if !strings.Contains(a, "@") {
			return bad("address %q has no @", a)
		}
	}
	return nil
}
