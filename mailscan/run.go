package mailscan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/sigtool/sigtool/atomicfile"
	"github.com/sigtool/sigtool/mailmime"
)

// Exit codes of Run.
const (
	ExitClean    = 0  // every message delivered unchanged
	ExitAction   = 1  // some message rewritten or deleted
	ExitError    = 2  // some message not handled, or bad usage
	ExitTempFail = 75 // stdin mode: not handled, the MTA should retry (EX_TEMPFAIL)
)

// RunOptions are the flags of `sigtool mailscan`.
type RunOptions struct {
	Out        string   // write delivered messages into this directory
	JSON       bool     // one JSON object per message instead of a text line
	Recipients []string // envelope recipients (--rcpt); else the header's
	Direction  string   // "inbound" (default) or "outbound"
}

// maxStdin bounds a message read from stdin; MTAs limit messages far below.
const maxStdin = 1 << 30

// outputHook, when set by a test, wraps the writer of each output file so
// that a failure or a crash can be injected in the middle of a write.
var outputHook func(w io.Writer) io.Writer

// Run is `sigtool mailscan`: it applies s to every message of inputs (see
// the package comment for the input kinds and what is written) and returns
// the exit code.
func Run(ctx context.Context, s *Scanner, opts RunOptions, inputs []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(inputs) == 0 {
		fmt.Fprintln(stderr, "mailscan: no input (give files, mailboxes, Maildirs or -)")
		return ExitError
	}
	for _, in := range inputs {
		if in == "-" {
			if len(inputs) != 1 || opts.Out != "" {
				fmt.Fprintln(stderr, "mailscan: - (stdin) must be the only input and excludes --out")
				return ExitError
			}
			return runStdin(ctx, s, opts, stdin, stdout, stderr)
		}
	}
	r := &runner{s: s, opts: opts, stdout: stdout, stderr: stderr, used: map[string]bool{}, code: ExitClean}
	if opts.Out != "" {
		if err := sweepTemps(opts.Out); err != nil {
			fmt.Fprintf(stderr, "mailscan: %v\n", err)
			return ExitError
		}
	}
	for _, in := range inputs {
		if err := ctx.Err(); err != nil {
			r.fail(in, err)
			break
		}
		r.input(ctx, in)
	}
	return r.code
}

// runStdin is the MTA pipe filter: the whole output is built before the
// first byte is written, so an error leaves stdout empty.
func runStdin(ctx context.Context, s *Scanner, opts RunOptions, stdin io.Reader, stdout, stderr io.Writer) int {
	msg, err := io.ReadAll(io.LimitReader(stdin, maxStdin+1))
	if err == nil && len(msg) > maxStdin {
		err = fmt.Errorf("%w: message larger than %d bytes", ErrInput, maxStdin)
	}
	if err != nil {
		fmt.Fprintf(stderr, "mailscan: reading stdin: %v\n", err)
		return ExitTempFail
	}
	o, err := s.Process(ctx, msg, Envelope{Recipients: opts.Recipients, Direction: opts.Direction, ID: "-"})
	report(stderr, opts.JSON, "-", o)
	if err != nil {
		return ExitTempFail
	}
	if o.Action == Delete {
		return ExitAction // nothing on stdout: the message is gone
	}
	if _, err := stdout.Write(o.Message); err != nil {
		fmt.Fprintf(stderr, "mailscan: writing stdout: %v\n", err)
		return ExitTempFail
	}
	if o.Action == Deliver {
		return ExitClean
	}
	return ExitAction
}

type runner struct {
	s              *Scanner
	opts           RunOptions
	stdout, stderr io.Writer
	used           map[string]bool // output names written in this run
	code           int
}

func (r *runner) fail(path string, err error) {
	fmt.Fprintf(r.stderr, "mailscan: %s: %v\n", path, err)
	r.code = ExitError
}

// input handles one command-line argument: a Maildir, an mbox or a file.
func (r *runner) input(ctx context.Context, in string) {
	fi, err := os.Stat(in)
	if err != nil {
		r.fail(in, fmt.Errorf("%w: %w", ErrInput, err))
		return
	}
	if fi.IsDir() {
		files, err := mailmime.ReadMaildir(in)
		if errors.Is(err, mailmime.ErrNotMaildir) {
			// A plain directory of message files, as operators keep samples.
			files, err = plainFiles(in)
		}
		if err != nil {
			r.fail(in, fmt.Errorf("%w: %w", ErrInput, err))
			return
		}
		for _, f := range files {
			if ctx.Err() != nil {
				r.fail(f, ctx.Err())
				return
			}
			r.file(ctx, f)
		}
		return
	}
	r.file(ctx, in)
}

func (r *runner) file(ctx context.Context, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		r.fail(path, fmt.Errorf("%w: %w", ErrInput, err))
		return
	}
	base := filepath.Base(path)
	if !isMbox(data) {
		r.message(ctx, path, base, data)
		return
	}
	for i, m := range mailmime.SplitMbox(data) {
		if ctx.Err() != nil {
			r.fail(path, ctx.Err())
			return
		}
		n := i + 1
		r.message(ctx, fmt.Sprintf("%s#%d", path, n), fmt.Sprintf("%s.%d", base, n), m.Message(data))
	}
}

// isMbox reports whether data starts with an mbox "From " envelope line.
func isMbox(data []byte) bool {
	msgs := mailmime.SplitMbox(data)
	return len(msgs) > 0 && msgs[0].FromLine != ""
}

func (r *runner) message(ctx context.Context, path, name string, msg []byte) {
	o, err := r.s.Process(ctx, msg, Envelope{Recipients: r.opts.Recipients, Direction: r.opts.Direction, ID: path})
	if r.opts.Out != "" && o.Action != Delete {
		if werr := r.write(name, o.Message); werr != nil {
			// Nothing half-written is left under the name; say so and
			// count the message as not handled.
			r.fail(path, werr)
			if err == nil {
				o = failed(msg, werr)
				err = werr
			}
		}
	}
	if err != nil {
		r.code = ExitError
		report(r.stdout, r.opts.JSON, path, o)
		fmt.Fprintf(r.stderr, "mailscan: %s: kept unchanged: %v\n", path, err)
		return
	}
	if o.Action != Deliver && r.code == ExitClean {
		r.code = ExitAction
	}
	// With --out too: the messages go to files, the verdicts to stdout.
	if err := report(r.stdout, r.opts.JSON, path, o); err != nil {
		r.fail(path, fmt.Errorf("%w: %w", ErrOutput, err))
	}
}

// write puts one delivered message into the output directory through a
// temporary file and a rename, so the name only ever holds a whole
// message.
func (r *runner) write(name string, data []byte) error {
	if r.used[name] {
		return fmt.Errorf("%w: two inputs map to output name %q", ErrOutput, name)
	}
	r.used[name] = true
	err := atomicfile.WriteFrom(filepath.Join(r.opts.Out, name), 0o644, func(w io.Writer) error {
		if outputHook != nil {
			w = outputHook(w)
		}
		_, err := io.Copy(w, bytes.NewReader(data))
		return err
	})
	if err != nil {
		return fmt.Errorf("%w: %w", ErrOutput, err)
	}
	return nil
}

// tempName matches atomicfile's temporary files (".NAME.tmp-DIGITS").
var tempName = regexp.MustCompile(`^\..+\.tmp-[0-9]+$`)

// sweepTemps removes temporary files a killed earlier run left in dir, so
// the directory holds only whole messages. A missing dir is an error: the
// caller names it, we do not guess.
func sweepTemps(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("%w: --out: %w", ErrOutput, err)
	}
	for _, e := range entries {
		if e.Type().IsRegular() && tempName.MatchString(e.Name()) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("%w: removing stale %s: %w", ErrOutput, e.Name(), err)
			}
		}
	}
	return nil
}

// plainFiles lists the regular files directly in dir, sorted by name;
// hidden files (our own temporaries among them) are left out.
func plainFiles(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out, nil
}
