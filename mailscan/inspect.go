package mailscan

import (
	"context"
	"fmt"

	"github.com/sigtool/sigtool/mailmime"
	"github.com/sigtool/sigtool/unpack"
)

// inspect applies the per-attachment rules to everything a reader could
// take out of the message (mailmime.Contents: every reading, every block
// in a text body) and returns the places the policy acts on, one target
// per part of the message as parsed. An error means something could not
// be looked at: the caller keeps the original.
func (s *Scanner) inspect(ctx context.Context, msg []byte, root *mailmime.Part) ([]*target, error) {
	tg := &targets{byPart: map[*mailmime.Part]*target{}}
	if s.policy.BlockEncrypted {
		// multipart/encrypted: the whole container goes.
		_ = mailmime.Walk(root, func(p *mailmime.Part) error {
			if !p.IsLeaf() && p.IsEncrypted() {
				t := tg.at(placeOf(msg, root, p, nil), p)
				t.add(s.policy.Names.Encrypted, reasonEncrypted, true)
			}
			return nil
		})
	}
	err := mailmime.Contents(root, func(c mailmime.Content) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		p := c.Part
		if c.Embedded != nil {
			if !s.policy.ScanEmbedded {
				return nil
			}
			v, err := s.scanPart(ctx, p, c.Name, c.Data)
			if err != nil {
				return err
			}
			probe := newTarget(p)
			if err := s.judge(probe, v, true); err != nil {
				return err
			}
			if len(probe.hits) > 0 || len(probe.flags) > 0 {
				t := tg.at(placeOf(msg, root, p, c.Embedded), p)
				t.merge(probe)
				if p.Filename == "" && c.Name != "" {
					t.file = displayName(c.Name)
				}
			}
			return nil
		}
		if !p.IsAttachment() && !s.policy.ScanText {
			return nil
		}
		probe := newTarget(p)
		if n := s.policy.LongFileName; n > 0 && len(p.RawFilename) >= n {
			probe.add(s.policy.Names.LongFileName, reasonLongFileName, true)
		}
		if s.policy.BlockEncrypted && p.IsEncrypted() {
			probe.add(s.policy.Names.Encrypted, reasonEncrypted, true)
		}
		v, err := s.scanPart(ctx, p, p.Filename, c.Data)
		if err != nil {
			return err
		}
		if err := s.judge(probe, v, v.Self); err != nil {
			return err
		}
		if len(probe.hits) == 0 && len(probe.flags) == 0 {
			return nil
		}
		pl := placeOf(msg, root, p, nil)
		t := tg.at(pl, p)
		fresh := len(t.hits) == 0 && t.original == nil
		t.merge(probe)
		if fresh && pl.part == p && pl.cut == nil {
			// The attachment itself, as parsed: it may be cleaned.
			t.original = c.Data
			if !t.mustRemove && s.policy.Clean && len(probe.hits) > 0 {
				t.cleaned = s.clean(ctx, p.Filename, c.Data, v)
			}
		} else {
			t.cleaned = nil
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return tg.list(msg), nil
}

// targets collects the targets of one message, one per part.
type targets struct {
	byPart map[*mailmime.Part]*target
	order  []*target
}

// at returns the target for pl, creating it; a cut adds to the part's
// cuts unless the part is replaced as a whole anyway.
func (tg *targets) at(pl place, found *mailmime.Part) *target {
	t := tg.byPart[pl.part]
	if t == nil {
		t = newTarget(pl.part)
		if pl.part.Filename == "" && found.Filename != "" {
			// Name an unnamed holder after the file found in it.
			t.file = displayName(found.Filename)
		}
		tg.byPart[pl.part] = t
		tg.order = append(tg.order, t)
		t.whole = pl.cut == nil
	}
	if pl.cut == nil {
		t.whole, t.cuts = true, nil
		t.cleaned = nil
	} else if !t.whole {
		t.cuts = append(t.cuts, *pl.cut)
	}
	return t
}

// list returns the targets in document order, leaving out those inside a
// part that is replaced as a whole (their findings go with it).
func (tg *targets) list(msg []byte) []*target {
	var out []*target
	for _, t := range tg.order {
		if outer := tg.enclosing(t); outer != nil {
			outer.merge(t)
			continue
		}
		if t.whole && t.original == nil {
			t.original = t.part.Raw()
		}
		if !t.whole && t.original == nil {
			t.original, _ = t.part.Decode()
		}
		out = append(out, t)
	}
	sortTargets(out)
	return out
}

// enclosing returns the outermost target replaced as a whole that holds
// t's part, if any.
func (tg *targets) enclosing(t *target) *target {
	var found *target
	for p := t.part.Parent; p != nil; p = p.Parent {
		if o := tg.byPart[p]; o != nil && o.whole {
			found = o
		}
	}
	return found
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
	unscannable := v.Unscannable
	if s.policy.DamagedUnscannable {
		unscannable = append(unscannable, v.Damaged...)
	}
	for _, u := range unscannable {
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
