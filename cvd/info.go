package cvd

import (
	"bytes"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
)

// InfoEntry is one "name:size:sha256" line of a .info member.
type InfoEntry struct {
	Name   string
	Size   int64
	SHA256 [32]byte
}

// Info is a parsed <db>.info member: the header line, one entry per
// database member, and the DSIG line that signs everything before it.
type Info struct {
	Header  Header
	Entries []InfoEntry
	DSig    string // "" when there is no DSIG line (unsigned CUD)
	Signed  []byte // the bytes DSIG covers: every line before it, each with its '\n'
}

const dsigPrefix = "DSIG:"

// ParseInfo parses a .info file. The last line may lack its newline; any
// line after DSIG is an error, since it would not be signed.
func ParseInfo(data []byte) (*Info, error) {
	info := &Info{}
	seen := map[string]bool{}
	rest := data
	for lineNo := 1; len(rest) > 0; lineNo++ {
		start := len(data) - len(rest)
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		s := string(line)
		bad := func(format string, a ...any) error {
			return fmt.Errorf("%w: line %d: %s", ErrBadInfo, lineNo, fmt.Sprintf(format, a...))
		}
		switch {
		case info.DSig != "":
			return nil, bad("text after the DSIG line")
		case lineNo == 1:
			if !printable(s) {
				return nil, bad("header has unprintable bytes")
			}
			h, err := parseHeaderText(s)
			if err != nil {
				return nil, fmt.Errorf("%w: line 1: %w", ErrBadInfo, err)
			}
			info.Header = h
		case strings.HasPrefix(s, dsigPrefix):
			info.DSig = s[len(dsigPrefix):]
			if len(info.DSig) == 0 {
				return nil, bad("empty DSIG")
			}
			info.Signed = data[:start]
		default:
			e, err := parseInfoEntry(s)
			if err != nil {
				return nil, bad("%v", err)
			}
			if seen[e.Name] {
				return nil, bad("%q listed twice", e.Name)
			}
			seen[e.Name] = true
			info.Entries = append(info.Entries, e)
		}
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("%w: empty", ErrBadInfo)
	}
	if info.DSig == "" {
		info.Signed = data
	}
	return info, nil
}

func parseInfoEntry(s string) (InfoEntry, error) {
	f := strings.Split(s, ":")
	if len(f) != 3 {
		return InfoEntry{}, fmt.Errorf("%d fields, want name:size:sha256", len(f))
	}
	e := InfoEntry{Name: f[0]}
	if err := checkName(e.Name); err != nil {
		return InfoEntry{}, err
	}
	n, err := parseDecimal(f[1])
	if err != nil {
		return InfoEntry{}, fmt.Errorf("size: %v", err)
	}
	e.Size = n
	if len(f[2]) != 2*sha256.Size {
		return InfoEntry{}, fmt.Errorf("SHA-256 %.70q is not 64 hex digits", f[2])
	}
	if _, err := hex.Decode(e.SHA256[:], []byte(f[2])); err != nil {
		return InfoEntry{}, fmt.Errorf("SHA-256 %q: %v", f[2], err)
	}
	return e, nil
}

// Verify checks the DSIG line with key (DefaultInfoKey for ClamAV's feeds).
func (info *Info) Verify(key *rsa.PublicKey) error {
	if info.DSig == "" {
		return fmt.Errorf("%w: .info has no DSIG line", ErrNoSignature)
	}
	if err := VerifyPSS(key, sha256.Sum256(info.Signed), info.DSig); err != nil {
		return fmt.Errorf(".info DSIG: %w", err)
	}
	return nil
}

// CheckHeader compares the .info header with the container's on the fields
// ClamAV compares (cvd.c "Corrupted CVD header").
func (info *Info) CheckHeader(h Header) error {
	for _, f := range [...]struct {
		name      string
		info, hdr int64
	}{
		{"version", int64(info.Header.Version), int64(h.Version)},
		{"signature count", int64(info.Header.Sigs), int64(h.Sigs)},
		{"FLEVEL", int64(info.Header.FLevel), int64(h.FLevel)},
		{"build seconds", info.Header.Seconds, h.Seconds},
	} {
		if f.info != f.hdr {
			return fmt.Errorf("%w: %s is %d in .info, %d in the header", ErrInfoHeader, f.name, f.info, f.hdr)
		}
	}
	return nil
}

// CheckMembers compares members with the entries: every entry must name a
// member of that size and SHA-256, and every member other than COPYING and
// *.info must be listed. The error names the first offending member (in
// name order, so the message is stable).
func (info *Info) CheckMembers(members map[string][]byte) error {
	listed := map[string]bool{}
	for _, e := range info.Entries {
		listed[e.Name] = true
		data, ok := members[e.Name]
		if !ok {
			return fmt.Errorf("%w: %s is listed in .info but missing", ErrMemberMismatch, e.Name)
		}
		if int64(len(data)) != e.Size {
			return fmt.Errorf("%w: %s is %d bytes, .info says %d", ErrMemberMismatch, e.Name, len(data), e.Size)
		}
		if sum := sha256.Sum256(data); sum != e.SHA256 {
			return fmt.Errorf("%w: %s has SHA-256 %x, .info says %x", ErrMemberMismatch, e.Name, sum, e.SHA256)
		}
	}
	names := make([]string, 0, len(members))
	for name := range members {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if !listed[name] && name != "COPYING" && !strings.HasSuffix(name, ".info") {
			return fmt.Errorf("%w: %s is not listed in .info", ErrMemberMismatch, name)
		}
	}
	return nil
}

// InfoMember returns the name and data of the container's single *.info member.
func (c *Container) InfoMember() (string, []byte, error) {
	var name string
	var data []byte
	for _, m := range c.Members {
		if strings.HasSuffix(m.Name, ".info") {
			if name != "" {
				return "", nil, fmt.Errorf("%w: two .info members, %s and %s", ErrBadInfo, name, m.Name)
			}
			name, data = m.Name, m.Data
		}
	}
	if name == "" {
		return "", nil, fmt.Errorf("%w: no .info member", ErrBadInfo)
	}
	return name, data, nil
}

// VerifyInfo does ClamAV's load-time checks of a container: the .info DSIG
// (key, normally DefaultInfoKey), its header against the container header,
// and every member against its entry.
func (c *Container) VerifyInfo(key *rsa.PublicKey) (*Info, error) {
	name, data, err := c.InfoMember()
	if err != nil {
		return nil, err
	}
	info, err := ParseInfo(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := info.Verify(key); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := info.CheckHeader(c.Header); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := info.CheckMembers(c.Files()); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return info, nil
}

// BuildInfo writes a .info for members (COPYING and *.info skipped) with
// header h (MD5 and dsig become "X"), signed with priv when it is not nil.
// It is how our own test feeds get a .info ClamAV would accept.
func BuildInfo(h Header, members []Member, priv *rsa.PrivateKey) ([]byte, error) {
	h.MD5, h.DSig = "X", "X"
	first, err := h.Text()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(first + "\n")
	for _, m := range members {
		if m.Name == "COPYING" || strings.HasSuffix(m.Name, ".info") {
			continue
		}
		if err := checkName(m.Name); err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "%s:%d:%x\n", m.Name, len(m.Data), sha256.Sum256(m.Data))
	}
	if priv == nil {
		return b.Bytes(), nil
	}
	sig, err := SignPSS(priv, sha256.Sum256(b.Bytes()))
	if err != nil {
		return nil, err
	}
	b.WriteString(dsigPrefix + sig + "\n")
	return b.Bytes(), nil
}
