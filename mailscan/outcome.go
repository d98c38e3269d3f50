package mailscan

// Action is what happened to a message.
type Action string

const (
	Deliver Action = "deliver" // unchanged, byte for byte
	Rewrite Action = "rewrite" // attachments cleaned or removed, banner added
	Flag    Action = "flag"    // delivered with header fields added (policy: unscannable = "deliver")
	Delete  Action = "delete"  // the whole message is dropped (kept in quarantine)
	Error   Action = "error"   // not fully handled: the original is kept
)

// Finding actions.
const (
	Cleaned     = "cleaned"      // infected members removed from an archive
	Removed     = "removed"      // the attachment was replaced by a notice
	MailDeleted = "mail-deleted" // the whole message was deleted
	Flagged     = "flagged"      // kept, and named in a header field
)

// Envelope is what the MTA knows about a message besides its bytes.
type Envelope struct {
	Recipients []string // RCPT TO addresses; empty means "read the header"
	Direction  string   // "inbound" (or "") or "outbound"
	ID         string   // queue ID or input name, recorded in the quarantine
}

// Outcome is the verdict on one message.
type Outcome struct {
	Action Action
	// Message is what to deliver: the original (the same slice) for
	// Deliver and Error, the new message for Rewrite and Flag, nil for
	// Delete.
	Message  []byte
	Findings []Finding
	// Reasons explains the action in words a log reader can grep:
	// "outbound", "out-of-scope", "virus", "partial", or an error.
	Reasons []string
}

// A Finding is one banner block: one signature (or policy name) in one
// attachment.
type Finding struct {
	Filename   string `json:"filename"`
	Signature  string `json:"signature"`
	Action     string `json:"action"`
	Quarantine string `json:"quarantine,omitempty"` // ID of the kept original
}
