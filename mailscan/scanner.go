package mailscan

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/sigtool/sigtool/mailmime"
	"github.com/sigtool/sigtool/quarantine"
)

// Scanner applies a Policy to messages. It holds no per-message state and
// is safe for concurrent use: a daemon shares one across connections.
type Scanner struct {
	policy Policy
	scan   scanFunc
	limits mailmime.Limits // the engine's, as scan.ExpandMail walks mail
	store  *quarantine.Store
	// database names the signatures in the Scanned header field
	// (WithVersions).
	database string
}

// Policy returns the policy the scanner applies.
func (s *Scanner) Policy() Policy { return s.policy }

// Process applies the policy to one message. It never changes msg.
//
// The returned Outcome is never nil. When the message could not be fully
// handled (a parse limit, a scan error or limit, a quarantine or rewrite
// failure, a cancelled ctx, even a bug) the action is Error, Message is
// the original msg, and the same error is returned: the caller must keep
// or deliver the original and must not report the message as handled.
func (s *Scanner) Process(ctx context.Context, msg []byte, env Envelope) (out *Outcome, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: panic: %v", ErrInternal, r)
			out = failed(msg, err)
		}
	}()
	out, err = s.process(ctx, msg, env)
	if err != nil {
		return failed(msg, err), err
	}
	out.Header = s.header(out)
	return out, nil
}

// parse walks msg within the engine's mail limits (scan.MailLimits), so
// the policy looks as far into a message as `sigtool scan` does.
func (s *Scanner) parse(msg []byte) (*mailmime.Part, error) {
	return mailmime.ParseWith(msg, s.limits)
}

func failed(msg []byte, err error) *Outcome {
	return &Outcome{Action: Error, Message: msg, Reasons: []string{err.Error()}}
}

func deliver(msg []byte, reasons ...string) *Outcome {
	return &Outcome{Action: Deliver, Message: msg, Reasons: reasons}
}

func (s *Scanner) process(ctx context.Context, msg []byte, env Envelope) (*Outcome, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	switch strings.ToLower(env.Direction) {
	case "", "inbound":
	case "outbound":
		if !s.policy.ScanOutbound {
			return deliver(msg, reasonOutbound), nil
		}
	default:
		return nil, fmt.Errorf("%w: direction %q (want inbound or outbound)", ErrInput, env.Direction)
	}
	root, perr := s.parse(msg)
	if !s.policy.inScope(root.Header, env) {
		return deliver(msg, reasonOutOfScope), nil
	}
	if perr != nil {
		return nil, fmt.Errorf("%w: %w", ErrParse, perr)
	}
	if s.policy.DeletePartial {
		if p := findPartial(root); p != nil {
			return s.deleteMessage(msg, root, env, p.Filename, s.policy.Names.Partial, reasonPartial)
		}
	}
	if n := s.policy.MaxAttachments; n > 0 && countAttachments(root) > n {
		return s.deleteMessage(msg, root, env, "", s.policy.Names.TooManyAttachments, reasonTooManyAtt)
	}
	all, err := s.inspect(ctx, msg, root)
	if err != nil {
		return nil, err
	}
	var targets, flagged []*target
	for _, t := range all {
		if len(t.hits) > 0 {
			targets = append(targets, t)
		} else {
			flagged = append(flagged, t)
		}
	}
	if len(targets) == 0 {
		if len(flagged) == 0 {
			return deliver(msg), nil
		}
		return flagUnscannable(&Outcome{Action: Flag, Message: msg}, flagged), nil
	}
	if s.store == nil {
		return nil, ErrNoStore
	}
	if targets, err = s.settle(ctx, msg, root, targets); err != nil {
		return nil, err
	}
	// Keep the originals first: once Put returns they are on disk, so the
	// rewritten message never refers to something that was not kept.
	for _, t := range targets {
		rec := quarantine.Record{
			MessageID: root.Header.Get("Message-ID"), EnvelopeID: env.ID,
			Reason: t.hits[0].reason, Signature: hitNames(t.hits), Filename: t.file,
		}
		if t.qid, err = s.store.Put(t.original, rec); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrQuarantine, t.file, err)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	newMsg, err := s.rewrite(msg, root, targets)
	if err != nil {
		return nil, err
	}
	out := &Outcome{Action: Rewrite, Message: newMsg}
	if len(flagged) > 0 {
		out = flagUnscannable(out, flagged)
	}
	for _, t := range targets {
		act := Removed
		if t.cleaned != nil {
			act = Cleaned
		}
		for _, h := range t.hits {
			out.Findings = append(out.Findings, Finding{Filename: t.file, Signature: h.name, Action: act, Quarantine: t.qid})
			out.Reasons = appendNew(out.Reasons, h.reason)
		}
	}
	return out, nil
}

// settle makes sure the rewrite leaves nothing the policy acts on, in any
// reading of the result: it rewrites (without quarantine IDs, which change
// nothing that is scanned), parses and inspects the result, and while
// something is left it widens the targets: cuts become whole parts, then
// the message's whole content goes. The result also proves to parse.
func (s *Scanner) settle(ctx context.Context, msg []byte, root *mailmime.Part, targets []*target) ([]*target, error) {
	for level := 0; ; level++ {
		trial, err := s.rewrite(msg, root, targets)
		if err != nil {
			return nil, err
		}
		troot, err := s.parse(trial)
		if err != nil {
			return nil, fmt.Errorf("%w: result does not parse: %w", ErrRewrite, err)
		}
		left, err := s.inspect(ctx, trial, troot)
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(left, func(t *target) bool { return len(t.hits) > 0 })
		if i < 0 {
			return targets, nil
		}
		cuts := slices.ContainsFunc(targets, func(t *target) bool { return !t.whole })
		switch {
		case level == 0 && cuts:
			for _, t := range targets {
				if !t.whole {
					t.whole, t.cuts, t.original = true, nil, t.part.Raw()
				}
			}
		case level <= 1 && !(len(targets) == 1 && targets[0].part == root):
			all := newTarget(root)
			all.whole, all.original = true, root.Raw()
			for _, t := range targets {
				all.merge(t)
			}
			targets = []*target{all}
		default:
			return nil, fmt.Errorf("%w: the rewritten message still holds %s in %s", ErrRewrite, hitNames(left[i].hits), left[i].file)
		}
	}
}

// flagUnscannable adds a finding for each flagged attachment: the status header
// field names them (Unscannable), the message itself is not changed.
func flagUnscannable(out *Outcome, flagged []*target) *Outcome {
	for _, t := range flagged {
		for _, name := range t.flags {
			out.Findings = append(out.Findings, Finding{Filename: t.file, Signature: name, Action: Flagged})
		}
	}
	out.Reasons = appendNew(out.Reasons, reasonUnscannable)
	return out
}

// deleteMessage drops the whole message, keeping it in the quarantine.
func (s *Scanner) deleteMessage(msg []byte, root *mailmime.Part, env Envelope, file, name, reason string) (*Outcome, error) {
	if s.store == nil {
		return nil, ErrNoStore
	}
	rec := quarantine.Record{
		MessageID: root.Header.Get("Message-ID"), EnvelopeID: env.ID,
		Reason: reason, Signature: name, Filename: displayName(file),
	}
	id, err := s.store.Put(msg, rec)
	if err != nil {
		return nil, fmt.Errorf("%w: whole message: %w", ErrQuarantine, err)
	}
	return &Outcome{
		Action:   Delete,
		Findings: []Finding{{Filename: displayName(file), Signature: name, Action: MailDeleted, Quarantine: id}},
		Reasons:  []string{reason},
	}, nil
}

// findPartial returns the first message/partial part, looking in every
// reading of the message.
func findPartial(root *mailmime.Part) *mailmime.Part {
	var found *mailmime.Part
	mailmime.Walk(root, func(p *mailmime.Part) error {
		if found == nil && p.IsPartial {
			found = p
		}
		return nil
	})
	return found
}

// countAttachments counts the binary attachments of the message as sent
// (the primary reading only, so a part is not counted twice).
func countAttachments(p *mailmime.Part) int {
	if p.IsLeaf() {
		if p.IsAttachment() {
			return 1
		}
		return 0
	}
	n := 0
	for _, c := range p.Children {
		n += countAttachments(c)
	}
	return n
}

func hitNames(hits []hit) string {
	names := make([]string, len(hits))
	for i, h := range hits {
		names[i] = h.name
	}
	return strings.Join(names, ", ")
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
