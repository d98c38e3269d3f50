// Package ole2build writes OLE2 compound files (MS-CFB) and the VBA
// projects Office keeps in them (MS-OVBA), for tests: unpack's tests of
// its OLE2 and VBA readers and the differential tests that put real macro
// signatures to clamscan and to us on documents of our own.
//
// Files: cfb.go (the compound file), vba.go (compression, the dir stream,
// the _VBA_PROJECT stream with the performance cache ClamAV's older reader
// wants, a whole project).
package ole2build
