package sigfile

import (
	"fmt"
	"sort"
	"strings"
)

// dumpEntry renders everything ParseLine returned, for golden files. It
// prints the structure element by element rather than through String, so
// that the golden files also check String.
func dumpEntry(e Entry) string {
	var b strings.Builder
	fmt.Fprintf(&b, "kind=%s type=%s name=%q", e.Kind, e.TypeName(), e.Name())
	if e.Skip != "" {
		fmt.Fprintf(&b, " skip=%q", e.Skip)
	}
	b.WriteByte('\n')
	switch {
	case e.Hash != nil:
		h := e.Hash
		fmt.Fprintf(&b, "  hash %s %x size=%d section=%v allow=%v fl=%d-%d\n", h.Type, h.Digest, h.Size, h.Section, e.Allow, h.MinFL, h.MaxFL)
	case e.Body != nil:
		s := e.Body
		fmt.Fprintf(&b, "  target=%d offset=%s %s fl=%d-%d\n", s.Target, s.Offset, dumpOffset(s.Offset), s.MinFL, s.MaxFL)
		fmt.Fprintf(&b, "  hex=%q\n", s.Hex)
		dumpPattern(&b, "  ", s.Pattern)
	case e.Logical != nil:
		l := e.Logical
		dumpTDB(&b, l.TDB)
		fmt.Fprintf(&b, "  expr %q = %s\n", l.ExprText, dumpExpr(l.Expr))
		for i, s := range l.Subs {
			dumpSub(&b, i, s)
		}
	case e.Ignore != nil:
		fmt.Fprintf(&b, "  ignore md5=%x\n", e.Ignore.MD5)
	}
	return b.String()
}

func dumpOffset(o Offset) string {
	return fmt.Sprintf("(kind=%d n=%d section=%d shift=%d macro=%d)", o.Kind, o.N, o.Section, o.MaxShift, o.Macro)
}

func dumpPattern(b *strings.Builder, indent string, p Pattern) {
	if len(p.Parts) == 0 {
		fmt.Fprintf(b, "%spattern: none\n", indent)
		return
	}
	fmt.Fprintf(b, "%spattern %s\n", indent, p)
	for i, part := range p.Parts {
		if i > 0 {
			fmt.Fprintf(b, "%s  gap %d..%d\n", indent, p.Gaps[i-1].Min, p.Gaps[i-1].Max)
		}
		var els []string
		for _, e := range part {
			els = append(els, dumpElem(e))
		}
		fmt.Fprintf(b, "%s  part %s\n", indent, strings.Join(els, " "))
	}
}

func dumpElem(e Elem) string {
	switch e.Kind {
	case ElemByte:
		return fmt.Sprintf("%02x/%02x", e.Byte.Value, e.Byte.Mask)
	case ElemAlt:
		var alts []string
		for _, a := range e.Alts {
			var bs []string
			for _, m := range a {
				bs = append(bs, fmt.Sprintf("%02x/%02x", m.Value, m.Mask))
			}
			alts = append(alts, strings.Join(bs, ","))
		}
		neg := ""
		if e.Negate {
			neg = "not"
		}
		return fmt.Sprintf("%salt{%s}", neg, strings.Join(alts, "|"))
	case ElemBoundary:
		return "boundary"
	case ElemLineEnd:
		return "lineend"
	case ElemNonAlnum:
		return "nonalnum"
	}
	return fmt.Sprintf("elem(%d)", e.Kind)
}

func dumpTDB(b *strings.Builder, t TargetBlock) {
	fmt.Fprintf(b, "  tdb engine=%d-%d target=%d", t.EngineMin, t.EngineMax, t.Target)
	for _, r := range []struct {
		name string
		r    *Range
	}{{"filesize", t.FileSize}, {"ep", t.EntryPoint}, {"nos", t.NumberOfSections}} {
		if r.r != nil {
			fmt.Fprintf(b, " %s=%d-%d", r.name, r.r.Min, r.r.Max)
		}
	}
	for _, s := range []struct{ name, v string }{
		{"container", t.Container}, {"icon1", t.IconGroup1}, {"icon2", t.IconGroup2}, {"handler", t.HandlerType},
	} {
		if s.v != "" {
			fmt.Fprintf(b, " %s=%s", s.name, s.v)
		}
	}
	if t.Intermediates != nil {
		fmt.Fprintf(b, " intermediates=%s", strings.Join(t.Intermediates, ">"))
	}
	var keys []string
	for k := range t.Other {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(b, " other[%s]=%q", k, t.Other[k])
	}
	b.WriteByte('\n')
}

// dumpExpr prints the tree with explicit operator names.
func dumpExpr(e *Expr) string {
	if e == nil {
		return "nil"
	}
	var s string
	switch e.Op {
	case ExprSub:
		s = fmt.Sprint(e.Index)
	case ExprAnd, ExprOr:
		name := "and"
		if e.Op == ExprOr {
			name = "or"
		}
		var args []string
		for _, a := range e.Args {
			args = append(args, dumpExpr(a))
		}
		s = name + "(" + strings.Join(args, " ") + ")"
	}
	if e.Count != CountNone {
		s += fmt.Sprintf("[%s %d %d]", [...]string{"", "=", ">", "<"}[e.Count], e.X, e.Y)
	}
	return s
}

func dumpSub(b *strings.Builder, i int, s SubSig) {
	kinds := [...]string{"body", "pcre", "bytecmp", "macro", "fuzzy"}
	fmt.Fprintf(b, "  sub %d %s raw=%q\n", i, kinds[s.Kind], s.Raw)
	switch s.Kind {
	case SubBody:
		fmt.Fprintf(b, "    offset=%s nocase=%v wide=%v fullword=%v ascii=%v\n", s.Offset, s.NoCase, s.Wide, s.FullWord, s.ASCII)
		dumpPattern(b, "    ", s.Pattern)
	case SubPCRE:
		fmt.Fprintf(b, "    offset=%s trigger=%q regex=%q flags=%q\n", s.Offset, s.Trigger, s.Regex, s.Flags)
	case SubMacro:
		fmt.Fprintf(b, "    macro %d-%d group %d\n", s.MacroMin, s.MacroMax, s.MacroGroup)
	}
}
