package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
)

// Exit statuses of the pipe filter that come from sysexits(3) besides
// EX_OK and EX_TEMPFAIL (exitTempFail).
const (
	exUnavailable = 69 // EX_UNAVAILABLE: --on-delete=bounce
	exSysexitsLow = 64 // EX__BASE: sendmail's statuses from here ...
	exSysexitsTop = 78 // ... to EX_CONFIG are passed on as they are
)

// reinject hands the filtered message back to the MTA: Postfix's simple
// content filter (FILTER_README) runs the filter from pipe(8) and the filter
// delivers with "sendmail -G -i -f SENDER -- RECIPIENT...". sendmail's
// own failure is passed on to pipe(8) when it is a sysexits status (it says
// whether to retry or bounce); anything else is a temporary failure.
func reinject(ctx context.Context, o mailscanOptions, msg []byte, stderr io.Writer) error {
	args := append([]string{"-G", "-i", "-f", o.from, "--"}, o.recipients...)
	cmd := exec.CommandContext(ctx, o.sendmail, args...)
	cmd.Stdin = bytes.NewReader(msg)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err == nil {
		return nil
	}
	why := strings.TrimSpace(out.String())
	if why != "" {
		why = ": " + why
	}
	err = fmt.Errorf("handing the message to %s: %w%s", o.sendmail, err, why)
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if c := ee.ExitCode(); c >= exSysexitsLow && c <= exSysexitsTop {
			return &exitCodeError{code: c, err: fmt.Errorf("mailscan: %w", err)}
		}
	}
	return tempFail(err)
}
