package mailscan

import (
	"context"
	"fmt"
	"strings"

	"github.com/sigtool/sigtool/mailmime"
	"github.com/sigtool/sigtool/unpack"
)

// inspect walks the message's part tree in document order and returns the
// parts the policy acts on. An error means something could not be looked
// at: the caller keeps the original.
func (s *Scanner) inspect(ctx context.Context, root *mailmime.Part) ([]*target, error) {
	var targets []*target
	var walk func(p *mailmime.Part) error
	walk = func(p *mailmime.Part) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !p.IsLeaf() {
			if s.policy.BlockEncrypted && p.IsEncrypted() {
				// multipart/encrypted: the whole container goes.
				t := newTarget(p)
				t.original = p.Raw()
				t.add(s.policy.Names.Encrypted, reasonEncrypted, true)
				targets = append(targets, t)
				return nil
			}
			first := len(targets)
			for _, c := range p.Children {
				if err := walk(c); err != nil {
					return err
				}
			}
			t := newTarget(p)
			if err := s.examineAlternates(ctx, p, t); err != nil {
				return err
			}
			if len(t.hits) > 0 {
				// Another reading of p's bytes is infected: p goes as a
				// whole, taking the findings of its children with it.
				t.original = p.Raw()
				var hits []hit
				for _, c := range targets[first:] {
					hits = append(hits, c.hits...)
				}
				for _, h := range append(hits, t.hits...) {
					t.add(h.name, h.reason, true)
				}
				targets = append(targets[:first], t)
			}
			return nil
		}
		t := newTarget(p)
		v, err := s.examineLeaf(ctx, p, t)
		if err != nil {
			return err
		}
		if err := s.examineAlternates(ctx, p, t); err != nil {
			return err
		}
		if len(t.hits) == 0 {
			if len(t.flags) > 0 {
				targets = append(targets, t)
			}
			return nil
		}
		if t.original == nil {
			t.original, _ = p.Decode()
		}
		if !t.mustRemove && s.policy.Clean {
			t.cleaned = s.clean(ctx, p.Filename, t.original, v)
		}
		targets = append(targets, t)
		return nil
	}
	return targets, walk(root)
}

// examineLeaf applies the per-attachment rules to one leaf and returns the
// scan verdict on its decoded content (zero when it was not scanned).
func (s *Scanner) examineLeaf(ctx context.Context, p *mailmime.Part, t *target) (fileVerdict, error) {
	var v fileVerdict
	if p.IsPartial {
		return v, nil // the message is deleted before we get here
	}
	data, _ := p.Decode() // the only error leaves the raw body, which is what to scan
	if p.IsAttachment() || s.policy.ScanText {
		if n := s.policy.LongFileName; n > 0 && len(p.RawFilename) >= n {
			t.add(s.policy.Names.LongFileName, reasonLongFileName, true)
		}
		if s.policy.BlockEncrypted && p.IsEncrypted() {
			t.add(s.policy.Names.Encrypted, reasonEncrypted, true)
		}
		var err error
		if v, err = s.scanPart(ctx, p, p.Filename, data); err != nil {
			return v, err
		}
		if err := s.judge(t, v, v.Self); err != nil {
			return v, err
		}
		t.original = data
	}
	if !s.policy.ScanEmbedded {
		return v, nil
	}
	var emb []mailmime.Embedded
	if strings.HasPrefix(p.ContentType, "text/") {
		emb = append(emb, p.Uuencoded()...)
		emb = append(emb, p.YEnc()...)
	}
	for _, e := range emb {
		ev, err := s.scanPart(ctx, p, e.Name, e.Data)
		if err != nil {
			return v, err
		}
		if err := s.judge(t, ev, true); err != nil {
			return v, err
		}
		if p.Filename == "" && e.Name != "" {
			t.file = displayName(e.Name)
		}
	}
	return v, nil
}

// examineAlternates scans the other readings of p (a second Content-Type,
// a decoded message/rfc822). Their offsets do not index the message, so
// any finding in them removes p as a whole.
func (s *Scanner) examineAlternates(ctx context.Context, p *mailmime.Part, t *target) error {
	for _, a := range p.Alternates {
		err := mailmime.Walk(a, func(q *mailmime.Part) error {
			if !q.IsLeaf() {
				if s.policy.BlockEncrypted && q.IsEncrypted() {
					t.add(s.policy.Names.Encrypted, reasonEncrypted, true)
				}
				return nil
			}
			sub := newTarget(q)
			if _, err := s.examineLeaf(ctx, q, sub); err != nil {
				return err
			}
			for _, h := range sub.hits {
				t.add(h.name, h.reason, true)
			}
			// As for embedded files: an unnamed part is named after the
			// infected file found in it, not "(unnamed text/plain)".
			if len(sub.hits) > 0 && p.Filename == "" && q.Filename != "" && t.file == newTarget(p).file {
				t.file = sub.file
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// scanPart runs the engine on data; a failed scan (not a file that could
// not be scanned, which judge handles) is an error.
func (s *Scanner) scanPart(ctx context.Context, p *mailmime.Part, name string, data []byte) (fileVerdict, error) {
	v, err := s.scan(ctx, name, data)
	where := fmt.Sprintf("part at byte %d (%s %q)", p.Start, p.ContentType, displayName(name))
	if err != nil {
		if ctx.Err() != nil {
			return v, ctx.Err()
		}
		return v, fmt.Errorf("%w: %s: %w", ErrScan, where, err)
	}
	if v.Problem != nil {
		return v, fmt.Errorf("%w: %s: %w", ErrScan, where, v.Problem)
	}
	return v, nil
}

// judge applies the rules on a scanned file's verdict to t: encryption,
// member count, signatures (self: a match that dropping members cannot
// cure), and the unscannable rule, whose tempfail choice is an error.
func (s *Scanner) judge(t *target, v fileVerdict, self bool) error {
	if s.policy.BlockEncrypted && v.Encrypted {
		t.add(s.policy.Names.Encrypted, reasonEncrypted, true)
	}
	if n := s.policy.MaxMembers; n > 0 && v.Format.Archive() && v.MemberCount > n {
		t.add(s.policy.Names.TooManyMembers, reasonTooManyMembers, true)
	}
	for _, sig := range v.Signatures {
		t.add(sig, reasonVirus, self)
	}
	for _, u := range v.Unscannable {
		name := s.policy.Names.Unscannable + "." + u.why
		switch s.policy.Unscannable {
		case OnUnscannableTempfail:
			return fmt.Errorf("%w: %s: %s: %w", ErrUnscannable, name, u.path, u.err)
		case OnUnscannableDeliver:
			t.flags = appendNew(t.flags, name)
		default:
			t.add(name, reasonUnscannable, true)
		}
	}
	return nil
}

// clean rebuilds an archive without its infected members and returns the
// new archive, or nil when it cannot be cleaned: not an archive we can
// write, every member infected, or the result still not clean.
func (s *Scanner) clean(ctx context.Context, name string, data []byte, v fileVerdict) []byte {
	if v.Self || len(v.Members) == 0 {
		return nil
	}
	drop := map[string]bool{}
	for _, m := range v.Members {
		if m.Infected {
			drop[m.Name] = true
		}
	}
	kept := 0
	for _, m := range v.Members {
		if !drop[m.Name] {
			kept++
		}
	}
	if len(drop) == 0 || kept == 0 {
		return nil
	}
	out, err := unpack.Rebuild(v.Format, data, func(n string) bool { return drop[n] })
	if err != nil {
		return nil
	}
	// Trust the result only after scanning it again.
	v2, err := s.scan(ctx, name, out)
	if err != nil || v2.Problem != nil || len(v2.Signatures) > 0 || v2.Encrypted {
		return nil
	}
	return out
}
