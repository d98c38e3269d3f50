package sigfile

import "errors"

// ErrNoSignature is returned by ParseLine for a line that holds no signature
// (blank or a # comment). Such lines are kept by the store but count nothing.
var ErrNoSignature = errors.New("sigfile: no signature on this line")

// ErrSyntax matches (with errors.Is) every error this package returns for
// malformed input. The more specific sentinels below say which part of the
// line is wrong; each of them also matches ErrSyntax.
var ErrSyntax = errors.New("sigfile: syntax error")

// syntaxError is the type of the specific sentinels: a constant message that
// also reports itself as ErrSyntax, so messages read "sigfile: bad offset:
// ..." rather than stacking two prefixes.
type syntaxError string

func (e syntaxError) Error() string        { return string(e) }
func (e syntaxError) Is(target error) bool { return target == ErrSyntax }

// Specific syntax errors, wrapped with %w and a description of the problem.
var (
	ErrFields  error = syntaxError("sigfile: wrong number of fields")
	ErrName    error = syntaxError("sigfile: bad signature name")
	ErrHash    error = syntaxError("sigfile: bad hash")
	ErrSize    error = syntaxError("sigfile: bad size")
	ErrFLevel  error = syntaxError("sigfile: bad functionality level")
	ErrTarget  error = syntaxError("sigfile: bad target")
	ErrOffset  error = syntaxError("sigfile: bad offset")
	ErrPattern error = syntaxError("sigfile: bad hex signature")
	ErrTDB     error = syntaxError("sigfile: bad target description block")
	ErrLogic   error = syntaxError("sigfile: bad logical expression")
	ErrSubsig  error = syntaxError("sigfile: bad subsignature")
	ErrKind    error = syntaxError("sigfile: unknown file kind")
)

// ErrTooShort is the ErrPattern for a pattern, or a piece of one, without
// enough fixed bytes for ClamAV's matchers.
var ErrTooShort error = &subError{"sigfile: bad hex signature: too short", ErrPattern}

// subError is a sentinel that refines another one.
type subError struct {
	msg    string
	parent error
}

func (e *subError) Error() string        { return e.msg }
func (e *subError) Is(target error) bool { return errors.Is(e.parent, target) }
