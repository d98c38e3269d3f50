package filetype

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Of returns the type of the size bytes of r as ClamAV types a file or
// archive member: Identify on its head and, for a zip whose first members
// suggest an Office Open XML document, the first of its member names that
// says which (xl/, ppt/, word/, Contents/content.hpf).
func Of(r io.ReaderAt, size int64) (Type, error) {
	var head []byte
	if mem := inMemory(r, size); mem != nil {
		head = mem[:min(size, HeadSize)]
	} else {
		head = make([]byte, min(size, HeadSize))
		if n, err := r.ReadAt(head, 0); n < len(head) {
			return Any, fmt.Errorf("filetype: read head: %w", errOrEOF(err))
		}
	}
	t := Identify(head)
	if t == Zip && likelyOOXML(head) {
		if d := ooxmlByDirectory(r, size); d != Any {
			t = d
		}
	}
	return t, nil
}

// inMemory returns the content of a reader that holds it in memory (it has
// a Bytes method, as unpack's in-memory members do), or nil.
func inMemory(r io.ReaderAt, size int64) []byte {
	if b, ok := r.(interface{ Bytes() []byte }); ok && int64(len(b.Bytes())) >= size {
		return b.Bytes()[:size]
	}
	return nil
}

func errOrEOF(err error) error {
	if err == nil {
		return io.ErrUnexpectedEOF
	}
	return err
}

// ooxmlHints are member names by which ClamAV suspects a zip is an office
// document whose telling member comes later (the name "_.rels/.rels" is
// ClamAV's, as written).
var ooxmlHints = []string{
	"BinData", "mimetype", "Contents", "docProps/", "customXml/", "version.xml",
	"settings.xml", "_.rels/.rels", "[ContentTypes].xml", "[Content_Types].xml",
	"Preview/PrvText.txt", "META-INF/container.xml",
}

// likelyOOXML reports whether one of the local headers in head names a
// hinting member.
func likelyOOXML(head []byte) bool {
	rest := head
	for {
		i := bytes.Index(rest, []byte("PK\x03\x04"))
		if i < 0 || i+zipLocalHeader > len(rest) {
			return false
		}
		rest = rest[i+zipLocalHeader:]
		for _, h := range ooxmlHints {
			if bytes.HasPrefix(rest, []byte(h)) {
				return true
			}
		}
	}
}

// ooxmlByDirectory reads the zip's central directory and types it by its
// first member under one of ooxmlParts' names; Any when none or when the
// directory cannot be read (then it is a plain zip).
func ooxmlByDirectory(r io.ReaderAt, size int64) Type {
	z, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return Any
	}
	for _, f := range z.File {
		for _, p := range ooxmlParts {
			if strings.HasPrefix(f.Name, p.prefix) {
				return p.t
			}
		}
	}
	return Any
}

// Found windows: ClamAV's raw scan reads content in windows and keeps the
// later type of those its windows found; a window overlaps the one before
// by foundOverlap bytes so that a signature across the border is seen.
const (
	foundWindow  = 1 << 20
	foundOverlap = 4096
)

// Found returns the type that the type signatures find anywhere in content
// of type t, when ClamAV then handles the content as that type: ASCII text
// in which HTML is found is HTML (so is a GIF, for the scripts it may
// hide), ASCII text in which mail headers are found is mail. It returns Any
// otherwise. Whatever else a signature finds (an archive or executable
// inside other content) is for the unpackers, not a type of the content.
func Found(r io.ReaderAt, size int64, t Type) (Type, error) {
	if t != TextASCII && t != GIF {
		return Any, nil
	}
	mem := inMemory(r, size)
	best := Any
	var buf []byte
	if mem == nil {
		buf = make([]byte, min(size, foundWindow+foundOverlap))
	}
	for off := int64(0); off < size; off += foundWindow {
		n := min(size-off, foundWindow+foundOverlap)
		var w []byte
		if mem != nil {
			w = mem[off : off+n]
		} else {
			w = buf[:n]
			if got, err := r.ReadAt(w, off); int64(got) < n {
				return Any, fmt.Errorf("filetype: read at %d: %w", off, errOrEOF(err))
			}
		}
		// Signatures anchored near the start apply to the first window only.
		if s := scanWindow(w, off == 0, off+n == size); s > best {
			best = s
		}
	}
	switch {
	case best == HTML:
		return HTML, nil
	case best == Mail && t == TextASCII:
		return Mail, nil
	}
	return Any, nil
}

// scanWindow runs the type signatures over one window of the content and
// returns the type they settle on, Any when none matched. As in ClamAV's
// matcher, matches are taken in the order they end, and one takes over
// when its type comes later in ClamAV's order than the type so far, or is
// a self-extracting or executable type; an "ignored" match ends the
// search. Signatures that start at or near a fixed offset only apply in
// the first window, those counted from the end only in the last.
func scanWindow(w []byte, first, last bool) Type {
	t := Any
	for _, f := range typeSigIndex.find(w) {
		s := &typeSigs[f.sigIndex]
		if (!first && (s.to >= 0 || s.from > 0)) || (!last && s.eof > 0) {
			continue
		}
		if f.t == Ignored {
			return Ignored
		}
		if f.t > t || f.t >= SFX || f.t == MSEXE {
			t = f.t
		}
	}
	return t
}
