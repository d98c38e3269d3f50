package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/sigtool/sigtool/mailscan"
)

// mailVerdict is one line of `mailscan --json` output.
type mailVerdict struct {
	Path     string             `json:"path"`
	Action   mailscan.Action    `json:"action"`
	Findings []mailscan.Finding `json:"findings"`
	Reasons  []string           `json:"reasons"`
}

// reportMail writes the verdict on one message: a JSON object on one line,
// or a line for people ("PATH: ACTION: what").
func reportMail(w io.Writer, asJSON bool, path string, o *mailscan.Outcome) error {
	if asJSON {
		v := mailVerdict{Path: path, Action: o.Action, Findings: o.Findings, Reasons: o.Reasons}
		if v.Findings == nil {
			v.Findings = []mailscan.Finding{}
		}
		if v.Reasons == nil {
			v.Reasons = []string{}
		}
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", b)
		return err
	}
	_, err := fmt.Fprintln(w, mailVerdictLine(path, o))
	return err
}

func mailVerdictLine(path string, o *mailscan.Outcome) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", path, o.Action)
	var what []string
	for _, f := range o.Findings {
		s := f.Signature
		if f.Filename != "" {
			s += " in " + quoteName(f.Filename)
		}
		s += " " + f.Action
		if f.Quarantine != "" {
			s += " (quarantine " + f.Quarantine + ")"
		}
		what = append(what, s)
	}
	if len(what) > 0 {
		b.WriteString(": " + strings.Join(what, "; "))
	} else if len(o.Reasons) > 0 {
		b.WriteString(": " + strings.Join(o.Reasons, "; "))
	}
	return b.String()
}

// quoteName quotes a name when it has blanks or odd characters, so one
// verdict stays one parsable line.
func quoteName(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\"\\;:") || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fmt.Sprintf("%q", s)
	}
	return s
}
