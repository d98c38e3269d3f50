package cdiff

import (
	"bytes"
	"fmt"
	"strconv"
)

// Op is a script command.
type Op int

const (
	OpOpen Op = iota + 1
	OpAdd
	OpDel
	OpXchg
	OpClose
	OpMove
	OpUnlink
)

var opNames = map[string]Op{"OPEN": OpOpen, "ADD": OpAdd, "DEL": OpDel, "XCHG": OpXchg,
	"CLOSE": OpClose, "MOVE": OpMove, "UNLINK": OpUnlink}

func (o Op) String() string {
	for name, op := range opNames {
		if op == o {
			return name
		}
	}
	return fmt.Sprintf("Op(%d)", int(o))
}

// Command is one script line. Which fields are set depends on Op:
//
//	OPEN DB · ADD Text · DEL N Orig · XCHG N Orig Text · CLOSE
//	MOVE DB Dst N Orig N2 Orig2 · UNLINK DB
type Command struct {
	Line  int // 1-based line in the script
	Op    Op
	DB    string
	Dst   string
	N     int
	Orig  string
	N2    int
	Orig2 string
	Text  string
}

// ParseScript parses a decompressed script. Lines starting with '#' are
// skipped; the command is the text before the first space; an unknown
// command or missing argument is ErrSyntax naming the line.
func ParseScript(script []byte) ([]Command, error) {
	var cmds []Command
	for lineNo, rest := 1, script; len(rest) > 0; lineNo++ {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		if len(line) > 0 && line[0] == '#' {
			continue
		}
		c, err := parseCommand(string(line))
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrSyntax, lineNo, err)
		}
		c.Line = lineNo
		cmds = append(cmds, c)
	}
	return cmds, nil
}

func parseCommand(line string) (Command, error) {
	name, args, hasArgs := cut(line, ' ')
	op, ok := opNames[name]
	if !ok {
		return Command{}, fmt.Errorf("unknown command %.20q", name)
	}
	c := Command{Op: op}
	if op == OpClose {
		if hasArgs {
			return c, fmt.Errorf("CLOSE takes no argument")
		}
		return c, nil
	}
	if !hasArgs {
		return c, fmt.Errorf("%s needs an argument", name)
	}
	var err error
	switch op {
	case OpOpen, OpUnlink:
		c.DB = args
		err = checkName(args)
	case OpAdd:
		c.Text = args // spaces and all
	case OpDel:
		f := fields(args, 2)
		if len(f) < 2 {
			return c, fmt.Errorf("DEL needs <line> <orig>")
		}
		c.N, err = lineNumber(f[0])
		c.Orig = f[1] // only the first word counts, as in ClamAV
	case OpXchg:
		n, rest, _ := cut(args, ' ')
		orig, text, ok := cut(rest, ' ')
		if !ok || orig == "" {
			return c, fmt.Errorf("XCHG needs <line> <orig> <new line>")
		}
		c.N, err = lineNumber(n)
		c.Orig, c.Text = orig, text
	case OpMove:
		f := fields(args, 6)
		if len(f) < 6 {
			return c, fmt.Errorf("MOVE needs <src> <dst> <n1> <orig1> <n2> <orig2>")
		}
		c.DB, c.Dst, c.Orig, c.Orig2 = f[0], f[1], f[3], f[5]
		if err = checkName(c.DB); err == nil {
			err = checkName(c.Dst)
		}
		if err == nil {
			c.N, err = lineNumber(f[2])
		}
		if err == nil {
			c.N2, err = lineNumber(f[4])
		}
		if err == nil && c.N2 < c.N {
			err = fmt.Errorf("MOVE range %d..%d is backwards", c.N, c.N2)
		}
	}
	return c, err
}

func cut(s string, sep byte) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// fields splits on runs of spaces, returning at most n words.
func fields(s string, n int) []string {
	var out []string
	for len(out) < n {
		for len(s) > 0 && s[0] == ' ' {
			s = s[1:]
		}
		if s == "" {
			break
		}
		w, rest, _ := cut(s, ' ')
		out = append(out, w)
		s = rest
	}
	return out
}

func lineNumber(s string) (int, error) {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("line number %.20q", s)
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 1<<40 {
		return 0, fmt.Errorf("line number %.20q", s)
	}
	return n, nil
}

// checkName allows what ClamAV's cdiff.rs allows in a database name,
// restricted to ASCII: no directories, nothing a shell or path would read.
func checkName(name string) error {
	if name == "" || name == "." || name == ".." || len(name) > 255 {
		return fmt.Errorf("database name %.40q", name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_') {
			return fmt.Errorf("database name %.40q has forbidden byte 0x%02x", name, c)
		}
	}
	return nil
}
