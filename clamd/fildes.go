package clamd

import (
	"context"
	"fmt"
	"os"

	"github.com/sigtool/sigtool/engine"
	"github.com/sigtool/sigtool/scan"
)

// fildes is FILDES: the client sends one more byte carrying a descriptor
// (SCM_RIGHTS) on the Unix socket, and the daemon scans the file it
// opens. The reply names it "fd[N]", N the descriptor's number here, as
// clamd does.
func (ss *session) fildes(ctx context.Context) bool {
	// The descriptor rides on the byte after the command (clamdscan sends
	// a NUL); it may already have arrived with the command.
	if len(ss.rd.fds) == 0 || len(ss.rd.buffered()) == 0 {
		if _, err := ss.rd.byte1(); err != nil {
			ss.readFailed(err)
			return false
		}
	} else {
		ss.rd.r++
	}
	f := ss.rd.takeFD()
	if f == nil {
		ss.send(ss.reply().error("", errNoFD))
		return false
	}
	defer f.Close()
	name := fmt.Sprintf("fd[%d]", f.Fd())
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return ss.send(ss.reply().error(name, errNotRegular))
	}
	// Through /proc the scanner maps the file instead of copying it.
	path := fmt.Sprintf("/proc/self/fd/%d", f.Fd())
	return ss.send(ss.scanReply(ctx, name, func(snap *engine.Snapshot) (*scan.Result, error) {
		if _, err := os.Stat(path); err == nil {
			return snap.Scan.ScanFile(ctx, path)
		}
		return snap.Scan.Scan(ctx, name, f, fi.Size())
	}))
}
