package clamd

import (
	"fmt"
	"strings"
)

// command is one of clamd's commands.
type command int

const (
	cmdUnknown command = iota
	cmdScan
	cmdQuit
	cmdReload
	cmdSelfCheck
	cmdPing
	cmdContScan
	cmdVersionCommands
	cmdVersion
	cmdEnd
	cmdShutdown
	cmdMultiScan
	cmdFildes
	cmdStats
	cmdIDSession
	cmdInstream
	cmdDetStatsClear
	cmdDetStats
	cmdAllMatchScan
	cmdMailScan
)

// commandSpec is a row of clamd's command table (session.c): the name,
// whether it takes an argument, whether it works without a z/n prefix,
// and whether it is allowed inside IDSESSION.
type commandSpec struct {
	name     string
	cmd      command
	arg      argKind
	oldStyle bool
	session  bool
}

type argKind int

const (
	argNone     argKind = iota
	argRequired         // "SCAN /path"
	argOptional         // "MAILSCAN" or "MAILSCAN rcpt=..."
)

// commands in clamd's matching order: VERSIONCOMMANDS before VERSION,
// since names are matched as prefixes. The order is also the
// VERSIONCOMMANDS list.
var commands = []commandSpec{
	{"SCAN", cmdScan, argRequired, true, true},
	{"QUIT", cmdQuit, argNone, true, false},
	{"RELOAD", cmdReload, argNone, true, false},
	{"SELFCHECK", cmdSelfCheck, argNone, true, false},
	{"PING", cmdPing, argNone, true, true},
	{"CONTSCAN", cmdContScan, argRequired, true, false},
	{"VERSIONCOMMANDS", cmdVersionCommands, argNone, false, true},
	{"VERSION", cmdVersion, argNone, true, true},
	{"END", cmdEnd, argNone, false, true},
	{"SHUTDOWN", cmdShutdown, argNone, true, false},
	{"MULTISCAN", cmdMultiScan, argRequired, true, false},
	{"FILDES", cmdFildes, argNone, true, true},
	{"STATS", cmdStats, argNone, false, true},
	{"IDSESSION", cmdIDSession, argNone, false, false},
	{"INSTREAM", cmdInstream, argNone, false, true},
	{"DETSTATSCLEAR", cmdDetStatsClear, argNone, true, false},
	{"DETSTATS", cmdDetStats, argNone, true, false},
	{"ALLMATCHSCAN", cmdAllMatchScan, argRequired, false, false},
	{"MAILSCAN", cmdMailScan, argOptional, false, true},
}

// parseCommand finds line's command as clamd does: by prefix, an argument
// after one space, nothing after an argument-less command, and only the
// old-style commands without a prefix.
func parseCommand(line string, oldStyle bool) (commandSpec, string) {
	for _, c := range commands {
		if !strings.HasPrefix(line, c.name) {
			continue
		}
		rest := line[len(c.name):]
		var arg string
		switch {
		case c.arg == argNone && rest != "":
			return commandSpec{}, ""
		case c.arg == argRequired && rest == "":
			return commandSpec{}, ""
		case rest != "":
			// clamd skips the one separator byte, whatever it is.
			arg = rest[1:]
		}
		if oldStyle && !c.oldStyle {
			return commandSpec{}, ""
		}
		return c, arg
	}
	return commandSpec{}, ""
}

// commandList is the VERSIONCOMMANDS tail.
func commandList() string {
	var b strings.Builder
	b.WriteString(" COMMANDS:")
	for _, c := range commands {
		b.WriteString(" " + c.name)
	}
	return b.String()
}

// Fixed replies, byte for byte clamd's (without the terminator).
const (
	replyPong          = "PONG"
	replyUnknown       = "UNKNOWN COMMAND"
	replyUnavailable   = "COMMAND UNAVAILABLE"
	replyReloading     = "RELOADING"
	replyUpToDate      = "DBUPTODATE"
	replyOK            = "OK"
	replyTimedOut      = "COMMAND READ TIMED OUT\n" // always \n, whatever the prefix
	errSizeLimit       = "INSTREAM size limit exceeded."
	errSessionCommand  = "Command invalid inside IDSESSION."
	errSessionOldStyle = "Only nCMDS\\n and zCMDS\\0 are accepted inside IDSESSION."
	errNoFD            = "No file descriptor received."
	errStrayFD         = "PROTOCOL ERROR: ancillary data sent without FILDES."
	errProcessing      = "Error processing command."
	errNotRegular      = "Not a regular file"
	errAccess          = "Access denied."
	errNoEngine        = "No signatures loaded yet: the daemon is loading its store, retry."
)

// replier writes replies with the connection's terminator and, inside a
// session, the "N: " prefix.
type replier struct {
	term byte
	id   int // 0 outside a session
}

func (r replier) prefix() string {
	if r.id > 0 {
		return fmt.Sprintf("%d: ", r.id)
	}
	return ""
}

// single is clamd's conn_reply_single: "[N: ][path: ]status".
func (r replier) single(path, status string) []byte {
	if path != "" {
		return r.line(path + ": " + status)
	}
	return r.line(status)
}

// errorf is clamd's conn_reply with ERROR: "[N: ][path: ]msg ERROR".
func (r replier) error(path, msg string) []byte {
	return r.single(path, msg+" ERROR")
}

// found is clamd's conn_reply_virus.
func (r replier) found(path, name string) []byte {
	return r.single(path, name+" FOUND")
}

func (r replier) line(s string) []byte {
	b := make([]byte, 0, len(s)+8)
	b = append(b, r.prefix()...)
	b = append(b, s...)
	return append(b, r.term)
}
