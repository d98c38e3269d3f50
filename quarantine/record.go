package quarantine

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A Record says why one copy of an item was quarantined. Every field is a
// label copied from the message or the verdict; none is trusted.
type Record struct {
	MessageID  string    `json:"message_id,omitempty"`  // the message's Message-ID header
	EnvelopeID string    `json:"envelope_id,omitempty"` // the MTA's queue ID or input name
	Time       time.Time `json:"time"`
	Reason     string    `json:"reason"`              // "virus", "encrypted", "partial", ...
	Signature  string    `json:"signature,omitempty"` // signature or policy name
	Filename   string    `json:"filename,omitempty"`  // decoded attachment name
}

// An Item is one stored content with every record of its quarantining,
// oldest first.
type Item struct {
	ID      string   `json:"id"`
	Size    int64    `json:"size"`
	Records []Record `json:"records"`
}

// stored is the JSON kept under records/<ID>.
type stored struct {
	Size    int64    `json:"size"`
	Records []Record `json:"records"`
}

// Last is the time of the item's newest record: when it was last
// quarantined. Retention counts from it.
func (it Item) Last() time.Time {
	var t time.Time
	for _, r := range it.Records {
		if r.Time.After(t) {
			t = r.Time
		}
	}
	return t
}

// ShortID is the first 12 digits of the ID, enough to tell items apart.
func (it Item) ShortID() string { return it.ID[:min(len(it.ID), 12)] }

// Summary is one line about the item for people: its short ID, when it
// was last quarantined, why, and what it was called.
func (it Item) Summary() string {
	parts := []string{it.ShortID(), it.Last().Local().Format("2006-01-02 15:04"), fmt.Sprintf("%d bytes", it.Size)}
	if len(it.Records) > 0 {
		r := it.Records[len(it.Records)-1]
		for _, s := range []string{r.Reason, r.Signature, r.Filename} {
			if s != "" {
				parts = append(parts, label(s))
			}
		}
	}
	return strings.Join(parts, "  ")
}

// label writes a string taken from mail on one line, control characters
// escaped: a file name must not forge a line of output.
func label(s string) string {
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}
