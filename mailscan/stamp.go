package mailscan

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// The trace fields a front end adds to the mail it passes on, as ClamAV's
// milter and amavis do, so a mail client's filter (or a person) can see
// that the gateway looked at the message and what it found.
const (
	ScannedField = "X-Virus-Scanned"
	StatusField  = "X-Virus-Status"
)

// HeaderField is one header field to add: Name and an unfolded Value.
type HeaderField struct{ Name, Value string }

// Scanned reports whether the policy looked inside the message: false for
// mail it passed without scanning (outbound, out of scope) and for
// messages it could not handle.
func (o *Outcome) Scanned() bool {
	if o.Action == Error {
		return false
	}
	return !slices.Contains(o.Reasons, reasonOutbound) && !slices.Contains(o.Reasons, reasonOutOfScope)
}

// Stamp returns the trace fields for a message the gateway delivers:
// X-Virus-Scanned names the scanner and the signature versions that
// scanned it ("sigtool daily:27000 main:62 at mx1.example.net"),
// X-Virus-Status the verdict ("Clean", "Cleaned (NAME in FILE, ...)",
// "Unscannable (NAME in FILE, ...)"). Mail that was not scanned, deleted
// mail and failures get none: a trace field must never claim a scan that
// did not happen.
func Stamp(out *Outcome, versions map[string]int, gateway string) []HeaderField {
	if !out.Scanned() || out.Action == Delete {
		return nil
	}
	var scanned strings.Builder
	scanned.WriteString("sigtool")
	for _, feed := range slices.Sorted(maps.Keys(versions)) {
		fmt.Fprintf(&scanned, " %s:%d", feed, versions[feed])
	}
	if gateway != "" {
		scanned.WriteString(" at " + gateway)
	}
	status := "Clean"
	if len(out.Findings) > 0 {
		var found []string
		for _, f := range out.Findings {
			found = appendNew(found, f.Signature+" in "+f.Filename)
		}
		word := "Cleaned"
		if out.Action == Flag {
			word = "Unscannable"
		}
		status = word + " (" + strings.Join(found, ", ") + ")"
	}
	return []HeaderField{{ScannedField, oneLine(scanned.String())}, {StatusField, oneLine(status)}}
}

// oneLine keeps a value taken from mail (a file name) from breaking the
// header it is written into.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == 0 {
			return ' '
		}
		return r
	}, s)
}

// AddFields returns a copy of msg with fields at the top of its header
// (after an mbox "From " line), written with msg's own line ending.
func AddFields(msg []byte, fields []HeaderField) []byte {
	if len(fields) == 0 {
		return msg
	}
	eol := eolOf(msg)
	at := 0
	if bytes.HasPrefix(msg, []byte("From ")) {
		if i := bytes.IndexByte(msg, '\n'); i >= 0 {
			at = i + 1
		}
	}
	var add []byte
	for _, f := range fields {
		add = append(append(append(add, f.Name+": "...), f.Value...), eol...)
	}
	return slices.Concat(msg[:at], add, msg[at:])
}
