package mailscan

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// jsonVerdict is one line of --json output.
type jsonVerdict struct {
	Path     string    `json:"path"`
	Action   Action    `json:"action"`
	Findings []Finding `json:"findings"`
	Reasons  []string  `json:"reasons"`
}

// report writes the verdict on one message: a JSON object on one line, or
// a line for people ("PATH: ACTION: what").
func report(w io.Writer, asJSON bool, path string, o *Outcome) error {
	if asJSON {
		v := jsonVerdict{Path: path, Action: o.Action, Findings: o.Findings, Reasons: o.Reasons}
		if v.Findings == nil {
			v.Findings = []Finding{}
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
	_, err := fmt.Fprintln(w, verdictLine(path, o))
	return err
}

func verdictLine(path string, o *Outcome) string {
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
