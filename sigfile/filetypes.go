package sigfile

// fileTypes are the CL_TYPE_* names ClamAV's loader knows (libclamav
// filetypes.c, ftmap). A logical signature whose Container, HandlerType or
// Intermediates names another type is skipped by ClamAV, not refused.
var fileTypes = func() map[string]bool {
	m := make(map[string]bool)
	for _, t := range []string{
		"TEXT_ASCII", "TEXT_UTF8", "TEXT_UTF16LE", "TEXT_UTF16BE", "BINARY_DATA",
		"IGNORED", "ANY", "MSEXE", "ELF", "MACHO", "MACHO_UNIBIN", "POSIX_TAR",
		"OLD_TAR", "CPIO_OLD", "CPIO_ODC", "CPIO_NEWC", "CPIO_CRC", "GZ", "ZIP",
		"BZ", "RAR", "ARJ", "MSSZDD", "MSOLE2", "MSCAB", "MSCHM", "SIS", "SCRENC",
		"GRAPHICS", "GIF", "PNG", "JPEG", "TIFF", "RIFF", "BINHEX", "TNEF",
		"CRYPTFF", "PDF", "UUENCODED", "HTML_UTF16", "SCRIPT", "RTF", "HTML",
		"MAIL", "SFX", "ZIPSFX", "RARSFX", "CABSFX", "ARJSFX", "NULSFT", "AUTOIT",
		"ISHIELD_MSI", "7Z", "7ZSFX", "SWF", "ISO9660", "JAVA", "DMG", "MBR",
		"GPT", "APM", "XAR", "PART_ANY", "PART_HFSPLUS", "XZ", "OOXML_WORD",
		"OOXML_PPT", "OOXML_XL", "INTERNAL", "XDP", "XML_WORD", "XML_XL", "HWP3",
		"XML_HWP", "HWPOLE2", "OOXML_HWP", "PS", "MHTML", "LNK", "EGG", "EGGSFX",
		"UDF", "ALZ", "ONENOTE", "PYTHON_COMPILED", "LHA_LZH", "AI_MODEL", "ZSTD",
	} {
		m["CL_TYPE_"+t] = true
	}
	return m
}()
