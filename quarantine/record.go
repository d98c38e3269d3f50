package quarantine

import "time"

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
