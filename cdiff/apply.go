package cdiff

import (
	"bytes"
	"context"
	"fmt"
	"sort"
)

// Apply runs script against files (database name -> content) and returns
// the resulting files as a new map; files and its slices are not modified.
func Apply(files map[string][]byte, script []byte) (map[string][]byte, error) {
	return ApplyContext(context.Background(), files, script)
}

// ApplyContext is Apply with cancellation between commands.
func ApplyContext(ctx context.Context, files map[string][]byte, script []byte) (map[string][]byte, error) {
	cmds, err := ParseScript(script)
	if err != nil {
		return nil, err
	}
	return ApplyCommands(ctx, files, cmds)
}

// edit is a queued DEL (del true) or XCHG.
type edit struct {
	cmd Command
	del bool
}

// state is the open database and what CLOSE will do to it.
type state struct {
	out    map[string][]byte
	open   string
	opened int // script line of the OPEN
	edits  map[int]edit
	adds   bytes.Buffer
}

// ApplyCommands applies parsed commands; see Apply.
func ApplyCommands(ctx context.Context, files map[string][]byte, cmds []Command) (map[string][]byte, error) {
	s := &state{out: make(map[string][]byte, len(files))}
	for k, v := range files {
		s.out[k] = v // values are replaced, never written into
	}
	for _, c := range cmds {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := s.do(c); err != nil {
			return nil, err
		}
	}
	if s.open != "" {
		return nil, fmt.Errorf("%w: script ends with %s still open (OPEN at line %d)", ErrApply, s.open, s.opened)
	}
	return s.out, nil
}

func (s *state) fail(c Command, format string, a ...any) error {
	return fmt.Errorf("%w: script line %d (%s): %s", ErrApply, c.Line, c.Op, fmt.Sprintf(format, a...))
}

func (s *state) do(c Command) error {
	needOpen := c.Op == OpAdd || c.Op == OpDel || c.Op == OpXchg || c.Op == OpClose
	if needOpen && s.open == "" {
		return s.fail(c, "no database open")
	}
	if !needOpen && s.open != "" {
		return s.fail(c, "%s is still open", s.open)
	}
	switch c.Op {
	case OpOpen:
		if err := checkName(c.DB); err != nil {
			return s.fail(c, "%v", err)
		}
		s.open, s.opened, s.edits = c.DB, c.Line, map[int]edit{}
		s.adds.Reset()
	case OpAdd:
		s.adds.WriteString(c.Text)
		s.adds.WriteByte('\n')
	case OpDel, OpXchg:
		if prev, dup := s.edits[c.N]; dup {
			return s.fail(c, "line %d of %s is already edited at script line %d", c.N, s.open, prev.cmd.Line)
		}
		s.edits[c.N] = edit{cmd: c, del: c.Op == OpDel}
	case OpClose:
		return s.close(c)
	case OpMove:
		return s.move(c)
	case OpUnlink:
		if _, ok := s.out[c.DB]; !ok {
			return s.fail(c, "%s does not exist", c.DB)
		}
		delete(s.out, c.DB)
	default:
		return s.fail(c, "unknown command")
	}
	return nil
}

// close applies the queued edits in one pass over the file as it was at
// OPEN, then appends the ADDs, creating the file if it had none.
func (s *state) close(c Command) error {
	name := s.open
	s.open = ""
	data, exists := s.out[name]
	if len(s.edits) > 0 {
		if !exists {
			return s.fail(c, "%s does not exist, but %d lines are to be edited", name, len(s.edits))
		}
		order := make([]int, 0, len(s.edits))
		for n := range s.edits {
			order = append(order, n)
		}
		sort.Ints(order)
		var buf bytes.Buffer
		buf.Grow(len(data) + s.adds.Len())
		next := 0
		lineNo := 0
		for rest := data; len(rest) > 0; {
			lineNo++
			i := bytes.IndexByte(rest, '\n')
			if i < 0 {
				return s.fail(c, "%s line %d has no newline at the end", name, lineNo)
			}
			line := rest[:i]
			rest = rest[i+1:]
			if next < len(order) && order[next] == lineNo {
				e := s.edits[lineNo]
				next++
				if !bytes.HasPrefix(line, []byte(e.cmd.Orig)) {
					return fmt.Errorf("%w: %s line %d: expected prefix %.60q, found %.60q (script line %d, %s)",
						ErrPrefix, name, lineNo, e.cmd.Orig, line, e.cmd.Line, e.cmd.Op)
				}
				if !e.del {
					buf.WriteString(e.cmd.Text)
					buf.WriteByte('\n')
				}
				continue
			}
			buf.Write(line)
			buf.WriteByte('\n')
		}
		if next < len(order) {
			e := s.edits[order[next]]
			return s.fail(c, "%s has %d lines; the %s of line %d (script line %d) was never applied",
				name, lineNo, e.cmd.Op, e.cmd.N, e.cmd.Line)
		}
		buf.Write(s.adds.Bytes())
		s.out[name] = buf.Bytes()
		return nil
	}
	if s.adds.Len() > 0 {
		// Fresh slice: never append into the caller's backing array.
		s.out[name] = append(append(make([]byte, 0, len(data)+s.adds.Len()), data...), s.adds.Bytes()...)
	}
	return nil
}

// move appends lines N..N2 of DB to Dst and removes them from DB; both
// boundary lines are prefix-checked.
func (s *state) move(c Command) error {
	src, ok := s.out[c.DB]
	if !ok {
		return s.fail(c, "source %s does not exist", c.DB)
	}
	dst, ok := s.out[c.Dst]
	if !ok {
		return s.fail(c, "destination %s does not exist", c.Dst)
	}
	if c.DB == c.Dst {
		return s.fail(c, "source and destination are both %s", c.DB)
	}
	var keep, moved bytes.Buffer
	lineNo := 0
	for rest := src; len(rest) > 0; {
		lineNo++
		i := bytes.IndexByte(rest, '\n')
		var line []byte // with its newline, if any
		if i < 0 {
			line, rest = rest, nil
		} else {
			line, rest = rest[:i+1], rest[i+1:]
		}
		for _, b := range [...]struct {
			n    int
			orig string
		}{{c.N, c.Orig}, {c.N2, c.Orig2}} {
			if lineNo == b.n && !bytes.HasPrefix(line, []byte(b.orig)) {
				return fmt.Errorf("%w: %s line %d: expected prefix %.60q, found %.60q (script line %d, MOVE)",
					ErrPrefix, c.DB, lineNo, b.orig, bytes.TrimSuffix(line, []byte("\n")), c.Line)
			}
		}
		if lineNo >= c.N && lineNo <= c.N2 {
			moved.Write(line)
		} else {
			keep.Write(line)
		}
	}
	if lineNo < c.N2 {
		return s.fail(c, "%s has %d lines, cannot move lines %d..%d", c.DB, lineNo, c.N, c.N2)
	}
	s.out[c.DB] = keep.Bytes()
	s.out[c.Dst] = append(append(make([]byte, 0, len(dst)+moved.Len()), dst...), moved.Bytes()...)
	return nil
}
