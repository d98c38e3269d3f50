package mailscan

// Action is what happened to a message.
type Action string

const (
	Deliver Action = "deliver" // unchanged, byte for byte
	Rewrite Action = "rewrite" // attachments cleaned or removed, banner added
	Flag    Action = "flag"    // delivered unchanged but flagged unscannable (policy: unscannable = "deliver")
	Delete  Action = "delete"  // the whole message is dropped (kept in quarantine)
	Error   Action = "error"   // not fully handled: the original is kept
)

// Finding actions.
const (
	Cleaned     = "cleaned"      // infected members removed from an archive
	Removed     = "removed"      // the attachment was replaced by a notice
	MailDeleted = "mail-deleted" // the whole message was deleted
	Flagged     = "flagged"      // kept, and named in the status header field
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
	// Message is what to deliver, before Header is added: the original
	// (the same slice) for Deliver, Flag and Error, the new message for
	// Rewrite, nil for Delete.
	Message  []byte
	Findings []Finding
	// Reasons explains the action in words a log reader can grep:
	// "outbound", "out-of-scope", "virus", "partial", or an error.
	Reasons []string
	// Header lists the fields to add when the message is delivered
	// (X-Virus-Scanned, X-Virus-Status; the policy's [headers]). They are
	// not in Message: Delivery writes them in, a milter adds them with its
	// own header actions. Empty for a message not scanned (outbound, out
	// of scope), deleted or not handled, or when the policy turns them off.
	Header []HeaderField
}

// A Finding is one banner block: one signature (or policy name) in one
// attachment.
type Finding struct {
	Filename   string `json:"filename"`
	Signature  string `json:"signature"`
	Action     string `json:"action"`
	Quarantine string `json:"quarantine,omitempty"` // ID of the kept original
}
