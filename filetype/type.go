package filetype

import "strconv"

// Type is a ClamAV file type (CL_TYPE_*). The values follow ClamAV's
// enumeration, whose order matters: when several type signatures match the
// same content, the later type in this order wins (see Identify).
type Type uint16

// The file types, in ClamAV's order. Any is "no particular type": content
// of type Any is matched by the generic (target 0) signatures only.
const (
	Any Type = 0

	TextASCII Type = 500 + iota - 1 // ASCII, ISO-8859 and extended-ASCII text
	TextUTF8
	TextUTF16LE
	TextUTF16BE
	BinaryData
	Error // never the type of content; ClamAV's "no such type"
	MSEXE // DOS/Windows executable (MZ)
	ELF
	MachO
	MachOUnibin
	PosixTar
	OldTar
	CPIOOld
	CPIOODC
	CPIONewc
	CPIOCRC
	GZ
	Zip
	BZ
	RAR
	ARJ
	MSSZDD
	MSOLE2
	MSCAB
	MSCHM
	SIS
	ScrEnc
	Graphics
	GIF
	PNG
	JPEG
	TIFF
	RIFF
	BinHex
	TNEF
	CryptFF
	PDF
	UUEncoded
	Script
	HTMLUTF16
	RTF
	SevenZip
	SWF
	Java
	XAR
	XZ
	OOXMLWord
	OOXMLPPT
	OOXMLXL
	Internal
	HWP3
	OOXMLHWP
	PS
	Egg
	OneNote
	PythonCompiled
	LHALZH
	AIModel
	Zstd
	PartAny
	PartHFSPlus
	MBR
	HTML
	Mail
	SFX
	ZipSFX
	RARSFX
	SevenZipSFX
	CABSFX
	ARJSFX
	EggSFX
	NulSFT
	AutoIt
	IShieldMSI
	ISO9660
	DMG
	GPT
	APM
	XDP
	XMLWord
	XMLXL
	XMLHWP
	HWPOLE2
	MHTML
	LNK
	UDF
	ALZ
	Other   // ClamAV's target 14: binary data, matched a second time
	Ignored // content ClamAV does not scan (media, databases)

	// Containers ClamAV's typing does not know, typed by [Extra] only
	// (Identify gives ClamAV's type); see extra.go.
	ACE
	StuffIt
	Zoo
	ISCab // InstallShield 5 and later cabinets (data1.cab)
)

// names are ClamAV's names without the CL_TYPE_ prefix, by Type-TextASCII.
var names = [...]string{
	"TEXT_ASCII", "TEXT_UTF8", "TEXT_UTF16LE", "TEXT_UTF16BE", "BINARY_DATA",
	"ERROR", "MSEXE", "ELF", "MACHO", "MACHO_UNIBIN", "POSIX_TAR", "OLD_TAR",
	"CPIO_OLD", "CPIO_ODC", "CPIO_NEWC", "CPIO_CRC", "GZ", "ZIP", "BZ", "RAR",
	"ARJ", "MSSZDD", "MSOLE2", "MSCAB", "MSCHM", "SIS", "SCRENC", "GRAPHICS",
	"GIF", "PNG", "JPEG", "TIFF", "RIFF", "BINHEX", "TNEF", "CRYPTFF", "PDF",
	"UUENCODED", "SCRIPT", "HTML_UTF16", "RTF", "7Z", "SWF", "JAVA", "XAR",
	"XZ", "OOXML_WORD", "OOXML_PPT", "OOXML_XL", "INTERNAL", "HWP3",
	"OOXML_HWP", "PS", "EGG", "ONENOTE", "PYTHON_COMPILED", "LHA_LZH",
	"AI_MODEL", "ZSTD", "PART_ANY", "PART_HFSPLUS", "MBR", "HTML", "MAIL",
	"SFX", "ZIPSFX", "RARSFX", "7ZSFX", "CABSFX", "ARJSFX", "EGGSFX", "NULSFT",
	"AUTOIT", "ISHIELD_MSI", "ISO9660", "DMG", "GPT", "APM", "XDP", "XML_WORD",
	"XML_XL", "XML_HWP", "HWPOLE2", "MHTML", "LNK", "UDF", "ALZ", "OTHER",
	"IGNORED",
}

// String returns ClamAV's name of the type, "CL_TYPE_ZIP" for Zip.
func (t Type) String() string {
	if t == Any {
		return "CL_TYPE_ANY"
	}
	if t >= TextASCII && int(t-TextASCII) < len(names) {
		return "CL_TYPE_" + names[t-TextASCII]
	}
	if t > Ignored && int(t-Ignored-1) < len(extraNames) {
		return extraNames[t-Ignored-1]
	}
	return "Type(" + strconv.Itoa(int(t)) + ")"
}

// byName maps every name ClamAV's signature loader accepts to its type.
var byName = func() map[string]Type {
	m := map[string]Type{"CL_TYPE_ANY": Any}
	for i := range names {
		t := TextASCII + Type(i)
		if t != Error && t != Other { // not in ClamAV's name table
			m[t.String()] = t
		}
	}
	return m
}()

// Parse returns the type ClamAV's signature loader reads for name
// ("CL_TYPE_PDF"), and false for a name it does not know. A logical
// signature naming an unknown type in Container, Intermediates or
// HandlerType is skipped by ClamAV, not refused.
func Parse(name string) (Type, bool) {
	t, ok := byName[name]
	return t, ok
}

// Target returns the ClamAV signature target whose signatures apply, beside
// the generic ones (target 0), to content of this type: 1 PE, 2 OLE2, 3
// HTML, 4 mail, 5 graphics, 6 ELF, 7 ASCII (normalised) text, 9 Mach-O,
// 10 PDF, 11 Flash, 12 Java, 13 internal, 14 other; 0 for every other type.
func (t Type) Target() int {
	switch t {
	case MSEXE:
		return 1
	case MSOLE2:
		return 2
	case HTML:
		return 3
	case Mail:
		return 4
	case Graphics, GIF, PNG, JPEG, TIFF:
		return 5
	case ELF:
		return 6
	case TextASCII:
		return 7
	case MachO, MachOUnibin:
		return 9
	case PDF:
		return 10
	case SWF:
		return 11
	case Java:
		return 12
	case Internal:
		return 13
	case Other:
		return 14
	}
	return 0
}

// IsText reports whether t is one of the text types, whose content ClamAV
// also matches in normalised form (target 7).
func (t Type) IsText() bool { return t >= TextASCII && t <= TextUTF16BE }

// Executable reports whether t is a type whose entry point and sections
// offsets and target-description conditions can refer to.
func (t Type) Executable() bool { return t == MSEXE || t == ELF || t == MachO }
