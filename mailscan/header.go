package mailscan

import (
	"bytes"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/sigtool/sigtool/internal/buildinfo"
	"github.com/sigtool/sigtool/mailmime"
)

// Headers is the policy's [headers] table: the fields the gateway adds to
// every message it scanned and delivers.
type Headers struct {
	// Add is the off switch: false adds no field at all.
	Add bool `toml:"add" yaml:"add"`
	// Scanned names the field saying who scanned the message with which
	// signatures ("sigtool 1.2.0 (daily 27500, main 62) at mx1"); "" leaves
	// it out.
	Scanned string `toml:"scanned" yaml:"scanned"`
	// Status names the field with the verdict: Clean, Infected (NAMES),
	// Removed (NAMES) for attachments the policy removed, Unscannable
	// (NAMES) for what it delivered unscanned; "" leaves it out.
	Status string `toml:"status" yaml:"status"`
}

// The default field names, as ClamAV's milter and amavis write them.
const (
	ScannedField = "X-Virus-Scanned"
	StatusField  = "X-Virus-Status"
)

// Statuses the Status field reports, worst first.
const (
	StatusInfected    = "Infected"    // a signature matched: something was cleaned or removed
	StatusRemoved     = "Removed"     // the policy removed something (encrypted, long name...)
	StatusUnscannable = "Unscannable" // delivered although part of it could not be scanned
	StatusClean       = "Clean"
)

// A HeaderField is one header field the gateway adds to a message it
// delivers (Outcome.Header). A delivery replaces every field of the same
// name the message already has: the sender's own "X-Virus-Status: Clean"
// must not pass for the gateway's. AddFields does that on the bytes; a milter
// does it with its header actions.
type HeaderField struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// reserved are fields a header name in the policy must not be: a
// delivery removes the fields of the names it adds.
var reserved = []string{
	"From", "Sender", "Reply-To", "To", "Cc", "Bcc", "Subject", "Date", "Message-ID",
	"In-Reply-To", "References", "Received", "Return-Path", "MIME-Version",
	"DKIM-Signature", "Authentication-Results", "Delivered-To",
}

// validHeaderName reports whether name may be a [headers] field name.
func validHeaderName(name string) bool {
	if name == "" || strings.ContainsFunc(name, func(r rune) bool { return r < 33 || r > 126 || r == ':' }) {
		return false
	}
	l := strings.ToLower(name)
	return !strings.HasPrefix(l, "content-") && !strings.HasPrefix(l, "arc-") &&
		!slices.ContainsFunc(reserved, func(r string) bool { return strings.EqualFold(r, name) })
}

// WithVersions returns a copy of s whose Scanned field names these store
// feed versions (engine.Snapshot.Versions): the signatures that scanned
// the message.
func (s *Scanner) WithVersions(v map[string]int) *Scanner {
	c := *s
	var feeds []string
	for _, name := range slices.Sorted(maps.Keys(v)) {
		if v[name] > 0 {
			name += " " + strconv.Itoa(v[name])
		}
		feeds = append(feeds, name)
	}
	c.database = strings.Join(feeds, ", ")
	return &c
}

// Scanned reports whether the policy looked inside the message: false for
// mail it passed without scanning (outbound, out of scope) and for
// messages it could not handle.
func (o *Outcome) Scanned() bool {
	return o.Action != Error && !slices.Contains(o.Reasons, reasonOutbound) && !slices.Contains(o.Reasons, reasonOutOfScope)
}

// header returns the fields for an outcome: the action and findings
// decide the status. Deleted messages, errors and messages delivered
// unscanned get none: a field must never claim a scan that did not
// happen.
func (s *Scanner) header(out *Outcome) []HeaderField {
	h := s.policy.Headers
	if !h.Add || !out.Scanned() || out.Action == Delete {
		return nil
	}
	var fields []HeaderField
	if h.Scanned != "" {
		v := "sigtool " + buildinfo.Version()
		if s.database != "" {
			v += " (" + s.database + ")"
		}
		fields = append(fields, HeaderField{h.Scanned, headerText(v + " at " + s.policy.Gateway)})
	}
	if h.Status != "" {
		status := StatusClean
		switch {
		case slices.Contains(out.Reasons, reasonVirus):
			status = StatusInfected
		case out.Action == Rewrite:
			status = StatusRemoved
		case out.Action == Flag:
			status = StatusUnscannable
		}
		var names []string
		for _, f := range out.Findings {
			names = appendNew(names, f.Signature)
		}
		if len(names) > 0 {
			status += " (" + strings.Join(names, ", ") + ")"
		}
		fields = append(fields, HeaderField{h.Status, headerText(status)})
	}
	return fields
}

// headerText makes s one line of printable ASCII: names come from
// signature files and policy files, and a header field must not be split
// or forged by a stray line break.
func headerText(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 32 || r > 126 {
			return '?'
		}
		return r
	}, s)
}

// Delivery returns the bytes to deliver: Message with Header stamped in.
// It is nil for a deleted message.
func (o *Outcome) Delivery() []byte {
	if o.Message == nil {
		return nil
	}
	return AddFields(o.Message, o.Header)
}

// AddFields returns msg with fields at the top of its header (below an mbox
// "From " line) and without the fields of those names it had, as a lenient
// reader finds them ("X-Virus-Status (x): Clean" too). Lines end as msg's
// do and are folded at 78 columns. With no fields it returns msg itself;
// msg is never changed.
func AddFields(msg []byte, fields []HeaderField) []byte {
	if len(fields) == 0 {
		return msg
	}
	h, _ := mailmime.ReadHeader(msg, true)
	at := 0
	for _, f := range h.Fields {
		if f.Name != "" {
			break
		}
		at = f.End // an mbox From_ line, or a continuation line before any field
	}
	if at == 0 && bytes.HasPrefix(msg, utf8BOM) {
		at = len(utf8BOM) // the BOM stays first
	}
	eol := string(eolOf(msg))
	var b strings.Builder
	b.Grow(len(msg) + 200)
	b.Write(msg[:at])
	for _, f := range fields {
		b.WriteString(fold(f.Name+": "+f.Value, eol))
		b.WriteString(eol)
	}
	last := at
	for _, f := range h.Fields {
		if f.Name == "" || !slices.ContainsFunc(fields, func(n HeaderField) bool { return strings.ToLower(n.Name) == f.Key }) {
			continue
		}
		b.Write(msg[last:max(f.Start, at)])
		last = f.End
	}
	b.Write(msg[last:])
	return []byte(b.String())
}

var utf8BOM = []byte("\xef\xbb\xbf")

// fold breaks a field line at blanks so that no line passes 78 columns
// where a blank allows it (RFC 5322 section 2.2.3).
func fold(line, eol string) string {
	const width = 78
	var b strings.Builder
	col := 0
	for i, word := range strings.Split(line, " ") {
		if i > 0 {
			if col+1+len(word) > width {
				b.WriteString(eol)
				col = 0
			}
			b.WriteByte(' ')
			col++
		}
		b.WriteString(word)
		col += len(word)
	}
	return b.String()
}
