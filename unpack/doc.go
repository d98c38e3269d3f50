// Package unpack opens the archive, compression and document container
// formats a virus scanner meets in mail and on disk and yields their
// members one at a time, under limits. One file per format:
//   - zip.go, tar.go, stream.go (gzip, bzip2, xz), sevenzip.go, rar.go;
//   - tnef.go (TNEF "winmail.dat"), binhex.go (BinHex 4.0);
//   - ole2.go: OLE2 compound files, every stream, plus the files of OLE1
//     packages (ole10.go), VBA module sources (vba.go) and PowerPoint's
//     embedded objects (ppt.go);
//   - pdf.go: PDF, an object scanner over the lexer of pdfobj.go, with the
//     stream filters of pdffilter.go (Flate without a predictor, the common
//     case, through the pooled inflater of pdfinflate.go), the
//     decryption of pdfcrypt.go, and ClamAV's reading of dictionary names
//     in pdfnames.go (the images it never extracts are not yielded);
//   - rtf.go: the OLE1 objects of RTF documents;
//   - cab.go: Microsoft Cabinet, with LZX decompression in lzx.go;
//   - iso.go: ISO 9660 images, recognised 32 KiB in ([IdentifyReader]);
//   - cpio.go: cpio, old binary (either byte order), odc, newc and crc;
//   - arj.go: ARJ, methods 0 to 4;
//   - chm.go: Compiled HTML Help, its stored and LZX sections;
//   - overlay.go, nsis.go, ishield.go: installers recognised by their PE
//     overlay ([IdentifyReader]): NSIS data blocks, InstallShield file lists
//     and the InstallShield cabinet sets they hold (iscab.go), the
//     archive of a self-extractor; ishieldmsi.go: InstallShield MSI
//     setups' files;
//   - autoit.go: compiled AutoIt scripts (EA05 and EA06) in a PE file's
//     overlay, the script and the files FileInstall embeds; an EA06
//     script's tokens are written back as text by autoitscript.go;
//   - alz.go: ALZip archives, stored, bzip2 and deflate;
//   - sis.go: Symbian installation files;
//   - upx.go: UPX-packed PE files (NRV2B, NRV2D and NRV2E of nrv.go,
//     LZMA), the unpacked image and the PE files inside it;
//   - yc.go: PE files protected by yoda's crypter, decrypted, and
//     wwpack.go: WWPack32-packed PE files, their image rebuilt (both
//     recognised by their entry point's code, [IdentifyReader]), over
//     the PE headers of pe.go;
//   - packed.go: programs packed with ASPack, MEW, Upack, Petite or
//     PESpin, recognised by their entry point's code ([IdentifyReader]),
//     their stub run by emulate.go (a small Windows process over the x86
//     interpreter of internal/x86, with seh.go's exception dispatch and
//     kernel32.go's module images) until
//     the unpacked program takes over,
//     the memory image yielded; and the PE files any PE file holds
//     (Format EmbeddedPE, "pe-OFFSET"), as ClamAV looks for them;
//   - szdd.go: SZDD, Microsoft's COMPRESS.EXE format;
//   - deflate64.go and implode.go: zip's Deflate64 and Implode methods;
//   - onenote.go: the files embedded in OneNote sections;
//   - swf.go: Flash files compressed whole (zlib or LZMA), yielded
//     uncompressed for target 11;
//   - html.go: HTML, yielded as its normalised views for target 3
//     (Member.Normalized) and the content of its data: URIs; htmllex.go
//     cuts the page into tokens in place, as x/net/html's tokenizer
//     would (FuzzHTMLLexer keeps the two byte-identical);
//   - unopened.go: containers recognised but not opened yet; Walk returns
//     ErrNoUnpacker for them, so that a caller never takes their unscanned
//     members for clean.
//
// A format is recognised by its magic bytes ([Identify]), never by a file
// name; formats opened since package filetype became the one place that
// types content (cpio and later) are recognised by the type it gives
// (typedFormats in format.go). [Walk] calls a function for each member with its content as an
// [io.ReaderAt]; small members stay in memory, large ones are spilled to a
// temporary file that is removed when the function returns. Member names are
// reported as stored in the archive and are never used as file-system paths.
// Encrypted members are reported, not read. Walk does not descend into
// nested archives: that is the caller's (package scan's) recursion, which
// is why [Limits] carries MaxRecursion without Walk using it.
//
// Limits follow ClamAV's defaults (max-filesize, max-scansize, max-files,
// max-recursion) plus a compression-ratio check. No declared size or count
// from the input is trusted: content is read through bounded readers and the
// ratio is measured against the compressed bytes actually consumed, so a
// zip bomb is stopped after a few MiB of output with a [*LimitError] rather
// than exhausting memory or disk.
//
// Where the package is lenient, and why:
//   - A member whose data is corrupt (bad CRC, truncated stream) is still
//     yielded, with the bytes that could be read and Member.Err set: a
//     scanner should look at what it has rather than call it clean.
//   - Names are not cleaned or validated; they are labels, not paths.
//   - Tar and rar 4 have no central directory and their end markers are
//     optional in practice, so an archive cut exactly between two entries
//     reads as a shorter, valid one. A cut anywhere else is an error.
//   - Magic is recognised at offset 0, in a PE file's overlay (the
//     first 64 KiB past its last section: self-extractors, installers),
//     and a zip by the end record that ends the file, as unzip finds it;
//     other archives behind other data are not opened, except zip entries:
//     [WalkEmbeddedZip] (embedded.go) yields the zip local file entries
//     found anywhere in content, as ClamAV's raw scan extracts them.
//   - The third-party 7z and rar decoders are guarded against panics, which
//     are turned into [ErrCorrupt]; they may still size some buffers from
//     header fields (dictionary sizes), which is bounded where the decoder
//     allows it.
//
// [Rebuild] writes a copy of a zip or tar (optionally gzip-, xz- or bzip2-wrapped)
// archive without the members a caller wants removed, so a mail gateway
// can clean an attachment instead of dropping it.
//
// Files: format.go (Identify), walk.go (Walk, member reading), one file per
// format (zip.go, tar.go, stream.go for gzip/bzip2/xz, sevenzip.go, rar.go,
// tnef.go, binhex.go), unopened.go, rebuild.go (with bzip2w.go, a bzip2
// writer, since Go has none), limits.go, errors.go.
package unpack
