package clamd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/sigtool/sigtool/mailscan"
)

// MAILSCAN applies the daemon's whole mail policy ([mail]) to one message
// and hands back the verdict and the message to deliver. Framing:
//
//	zMAILSCAN[ rcpt=ADDR]...[ direction=inbound|outbound][ id=QUEUEID]\0
//	<chunks as INSTREAM: 4-byte big-endian length + bytes, ..., 0000>
//
// (or "nMAILSCAN ...\n"). The reply is one JSON object (MailReply) ended
// by the connection's terminator, then exactly MailReply.Size bytes: the
// message to deliver, unchanged or rewritten, with the policy's header
// fields (MailReply.Header) stamped in. For "delete" and "error"
// Size is 0: a deleted message is not delivered (its original is in the
// quarantine), and on "error" the client keeps the original and retries
// (an MTA's temporary failure). The message is bounded by
// stream_max_length like INSTREAM, with the same reply over it. Values
// are URL-escaped (%20 for a space); keys may appear in any order; rcpt
// repeats; an unknown key gets
// "MAILSCAN: unknown argument KEY. ERROR".

// MailReply is MAILSCAN's JSON object; POST /v1/mailscan uses it too.
type MailReply struct {
	Action   mailscan.Action    `json:"action"` // deliver, rewrite, delete, error
	Size     int                `json:"size"`   // bytes of message that follow
	Findings []mailscan.Finding `json:"findings,omitempty"`
	Reasons  []string           `json:"reasons,omitempty"`
	Error    string             `json:"error,omitempty"`
	// Versions are the feed versions of the snapshot that scanned it.
	Versions map[string]int `json:"versions,omitempty"`
	// Header lists the fields the policy added to the message that
	// follows (X-Virus-Scanned, X-Virus-Status): it is already stamped.
	Header []mailscan.HeaderField `json:"header,omitempty"`
}

// ParseMailArgs reads MAILSCAN's arguments (also the HTTP query's keys).
func ParseMailArgs(arg string) (mailscan.Envelope, error) {
	var env mailscan.Envelope
	for _, kv := range strings.Fields(arg) {
		k, v, _ := strings.Cut(kv, "=")
		if u, err := url.QueryUnescape(v); err == nil {
			v = u
		}
		switch k {
		case "rcpt":
			env.Recipients = append(env.Recipients, v)
		case "direction":
			if v != "inbound" && v != "outbound" {
				//lint:ignore ST1005 a clamd protocol reply, which ends in a period
				return env, fmt.Errorf("MAILSCAN: direction %q is not inbound or outbound.", v)
			}
			env.Direction = v
		case "id":
			env.ID = v
		default:
			//lint:ignore ST1005 a clamd protocol reply, which ends in a period
			return env, fmt.Errorf("MAILSCAN: unknown argument %s.", k)
		}
	}
	return env, nil
}

// ScanMail applies the serving snapshot's policy to msg; every failure
// is an "error" reply, never a delivery.
func ScanMail(ctx context.Context, e Engine, msg []byte, env mailscan.Envelope) (*MailReply, []byte) {
	snap := e.Current()
	if snap == nil || snap.Mail == nil {
		return &MailReply{Action: mailscan.Error, Error: strings.TrimSpace(errNoEngine)}, nil
	}
	out, err := snap.Mail.Process(ctx, msg, env)
	rep := &MailReply{Versions: snap.Versions}
	if err != nil || out == nil {
		rep.Action = mailscan.Error
		if err != nil {
			rep.Error = err.Error()
		}
		return rep, nil
	}
	rep.Action, rep.Findings, rep.Reasons = out.Action, out.Findings, out.Reasons
	var body []byte
	switch out.Action {
	case mailscan.Delete:
	case mailscan.Error:
		rep.Error = strings.Join(out.Reasons, "; ")
	default: // deliver, rewrite, flag: there is a message to deliver
		body, rep.Header = out.Delivery(), out.Header
	}
	rep.Size = len(body)
	return rep, body
}

func (ss *session) mailscan(ctx context.Context, arg string) bool {
	env, err := ParseMailArgs(arg)
	if err != nil {
		ss.send(ss.reply().error("", strings.TrimSuffix(err.Error(), ".")+"."))
		return false
	}
	st := &stream{}
	defer st.close()
	if !ss.receive(st) {
		return false
	}
	msg := st.mem
	if st.file != nil {
		msg = make([]byte, st.size)
		if _, err := st.file.ReadAt(msg, 0); err != nil && err != io.EOF {
			return ss.send(ss.reply().error("", errProcessing))
		}
	}
	release, err := ss.s.scanSlot(ctx)
	if err != nil {
		return false
	}
	rep, body := ScanMail(ctx, ss.s.opt.Engine, msg, env)
	release()
	ss.s.stats.scans.Add(1)
	j, _ := json.Marshal(rep)
	return ss.send(append(ss.reply().line(string(j)), body...))
}
