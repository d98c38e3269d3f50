package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sigtool/sigtool/mailmime"
)

// A mailInput is one message found in a command-line argument.
type mailInput struct {
	path string // what verdicts name: the file, with "#N" for the Nth message of an mbox
	name string // the output file name under --out
	data []byte // the message
	// envelope and separator are an mbox message's "From " line and the
	// blank line after it: --out writes them around the delivered
	// message, so each output file is a one-message mbox.
	envelope, separator []byte
}

// expandMailArg turns one argument into the files it names: a Maildir (the
// files of cur/ and new/), a plain directory of message files, or a file.
func expandMailArg(arg string) ([]string, error) {
	fi, err := os.Stat(arg)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return []string{arg}, nil
	}
	files, err := mailmime.ReadMaildir(arg)
	if errors.Is(err, mailmime.ErrNotMaildir) {
		// A plain directory of message files, as operators keep samples.
		files, err = plainFiles(arg)
	}
	return files, err
}

// readMailFile reads one file as a message, or as every message of an
// mbox when it starts with a "From " envelope line.
func readMailFile(path string) ([]mailInput, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	base := filepath.Base(path)
	msgs := mailmime.SplitMbox(data)
	if len(msgs) == 0 || msgs[0].FromLine == "" {
		return []mailInput{{path: path, name: base, data: data}}, nil
	}
	out := make([]mailInput, len(msgs))
	for i, m := range msgs {
		out[i] = mailInput{
			path: fmt.Sprintf("%s#%d", path, i+1), name: fmt.Sprintf("%s.%d", base, i+1), data: m.Message(data),
			envelope: data[m.Start:m.MsgStart], separator: data[m.MsgEnd:m.End],
		}
	}
	return out, nil
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
