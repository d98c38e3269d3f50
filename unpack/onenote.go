package unpack

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
)

// OneNote section files (MS-ONESTORE) keep embedded files as
// FileDataStoreObject structures: the GUID {BDE316E7-2665-4511-A4C4-
// 8D4D0B7A9EAC}, the data's length (64 bits, little endian), 12 unused
// bytes, the data, padding to 8 bytes and a footer GUID. Rather than walk
// the revision store's object spaces (whose references a damaged or
// hostile file can point anywhere), every header GUID in the file is
// taken as an embedded file, which finds the same files and those a
// damaged index no longer references. The alternative packaging of the
// web app's exports (MS-FSSHTTPB, guidFileFormat {638DE92F-A6D4-4BC1-
// 9A36-B3FC2511A5B7} at offset 48) keeps files differently and is not
// read: Walk returns ErrNoUnpacker for it, never an empty walk.

const oneNoteFileHeader = 36

var oneNoteAltPackaging = []byte{0x2f, 0xe9, 0x8d, 0x63, 0xd4, 0xa6, 0xc1, 0x4b, 0x9a, 0x36, 0xb3, 0xfc, 0x25, 0x11, 0xa5, 0xb7}

var oneNoteFileGUID = []byte{0xe7, 0x16, 0xe3, 0xbd, 0x65, 0x26, 0x11, 0x45, 0xa4, 0xc4, 0x8d, 0x4d, 0x0b, 0x7a, 0x9e, 0xac}

// oneNoteChunk is how much of the file is searched at once; a GUID across
// two chunks is found since chunks overlap by its length.
const oneNoteChunk = 1 << 20

func (w *walker) onenote(src io.ReaderAt, size int64) error {
	var hdr [64]byte
	if _, err := src.ReadAt(hdr[:], 0); err != nil {
		return fmt.Errorf("%w: onenote: header cut short", ErrCorrupt)
	}
	if bytes.Equal(hdr[48:], oneNoteAltPackaging) {
		return fmt.Errorf("%w: onenote in the web app's packaging (MS-FSSHTTPB)", ErrNoUnpacker)
	}
	buf := make([]byte, oneNoteChunk+len(oneNoteFileGUID))
	n := 0
	for base := int64(0); base < size; base += oneNoteChunk {
		k, err := src.ReadAt(buf[:min(int64(len(buf)), size-base)], base)
		if err != nil && err != io.EOF {
			return fmt.Errorf("%w: onenote: %v", ErrCorrupt, err)
		}
		chunk := buf[:k]
		for p := 0; ; {
			i := bytes.Index(chunk[p:], oneNoteFileGUID)
			if i < 0 || p+i >= oneNoteChunk {
				break
			}
			at := base + int64(p+i)
			p += i + 1
			var h [8]byte
			if _, err := src.ReadAt(h[:], at+16); err != nil {
				return fmt.Errorf("%w: onenote: file data header at %d cut short", ErrCorrupt, at)
			}
			length := binary.LittleEndian.Uint64(h[:])
			start := at + oneNoteFileHeader
			n++
			w.info.MemberCount++
			name := "filedata-" + strconv.Itoa(n)
			if _, stop := w.emit(name, false, func() (io.Reader, error) {
				avail := max(0, size-start)
				rd := io.NewSectionReader(src, min(start, size), min(int64(min(length, 1<<62)), avail))
				if length > uint64(avail) {
					return &errAfter{r: rd, err: fmt.Errorf("%w: onenote: file data of %d bytes, the file holds %d", ErrCorrupt, length, avail)}, nil
				}
				return rd, nil
			}); stop != nil {
				return stop
			}
		}
	}
	return nil
}
