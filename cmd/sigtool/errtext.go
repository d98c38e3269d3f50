package main

import (
	"errors"
	"io/fs"
	"strings"
)

// errAbout is err's message for a line that already names path: an
// *fs.PathError for that very path says only what went wrong ("no such
// file or directory"), so the line does not read "x.eml: stat x.eml: ...".
func errAbout(path string, err error) string {
	msg := err.Error()
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path == path {
		msg = strings.Replace(msg, pe.Op+" "+pe.Path+": ", "", 1)
	}
	return msg
}
