package filetype

import (
	"encoding/hex"
	"fmt"
)

// The type signatures below are the built-in file typing table of ClamAV
// 1.4 (libclamav/filetypes_int.h, which mirrors the daily.ftm its official
// databases ship), the release Debian ships and our differential tests run
// against: the same magic bytes, offsets and resulting types, in the same
// order, written in a form of our own. Entries its functionality level
// excludes are left out (PNG, GIF and JPEG as CL_TYPE_GRAPHICS, the older
// PostScript and MHTML lines). Later ClamAV releases add Zstandard, AI
// model and split-zip magic and want a delimiter after an HTML tag name;
// we follow the peer we are compared with.

// magic is a type recognised by exact bytes at a fixed offset. When several
// match, the one later in magics wins, as in ClamAV, whose loader prepends
// each entry to the list it then searches from the front.
type magic struct {
	off   int
	bytes []byte
	t     Type
}

func m(off int, hexBytes string, t Type) magic {
	b, err := hex.DecodeString(hexBytes)
	if err != nil {
		panic(fmt.Sprintf("filetype: magic %q: %v", hexBytes, err))
	}
	return magic{off, b, t}
}

// mail returns magic entries for header lines that start a message.
func mail(lines ...string) []magic {
	var out []magic
	for _, l := range lines {
		out = append(out, magic{0, []byte(l), Mail})
	}
	return out
}

var magics = concat(
	[]magic{
		m(0, "1f8b", GZ),
		m(0, "23407e5e", ScrEnc),
		magic{0, []byte("(This file must be converted with BinHex 4.0)"), BinHex},
		m(0, "2e524d46", Ignored), // RealMedia
	},
	mail(">From "),
	[]magic{m(0, "424d", Graphics), m(0, "425a68", BZ)},
	mail("Date: ", "Delivered-To: ", "Delivery-date: ", "Envelope-to: ", "For: ",
		"From ", "From: ", "Hi. This is the qmail-send"),
	[]magic{
		m(0, "494433", Ignored), // MP3 with an ID3 tag
		m(0, "49545346", MSCHM),
		m(0, "4d5a", MSEXE),
	},
	mail("Message-ID: ", "Message-Id: "),
	[]magic{
		m(0, "4f676753", Ignored), // Ogg
		m(0, "504b0304", Zip),
		m(0, "504b3030504b0304", Zip),
		m(0, "52494646", RIFF),
		m(0, "52494658", RIFF),
		m(0, "52617221", RAR),
	},
	mail("Received: ", "Return-Path: ", "Return-path: "),
	[]magic{m(0, "535a4444", MSSZDD)},
	mail("Subject: ", "To: ", "X-Apparently-To: ", "X-EVS", "X-Envelope-From: ",
		"X-Original-To: ", "X-Real-To: ", "X-Sieve: ", "X-Symantec-", "X-UIDL: "),
	[]magic{
		m(0, "60ea", ARJ),
		magic{0, []byte("begin "), UUEncoded},
	},
	mail("v:\nReceived: ", "v:\r\nReceived: "),
	[]magic{
		m(0, "789f3e22", TNEF),
		m(0, "7f454c46", ELF),
		m(0, "b6b9acaefeffffff", CryptFF),
		m(0, "d0cf11e0a1b11ae1", MSOLE2),
		m(0, "fffb90", Ignored), // MP3
		magic{0, []byte("SIP-HIT (SIP/H"), Ignored},
		magic{257, []byte("ustar"), PosixTar},
		magic{0, []byte("[aliases]"), Script},
		m(0, "cefaedfe", MachO),
		m(0, "cffaedfe", MachO),
		m(0, "feedface", MachO),
		m(0, "feedfacf", MachO),
		m(0, "377abcaf271c", SevenZip),
	},
	mail("Received-SPF: "),
	[]magic{
		magic{0, []byte("070701"), CPIONewc},
		magic{0, []byte("070702"), CPIOCRC},
		magic{0, []byte("070707"), CPIOODC},
		m(0, "71c7", CPIOOld),
		m(0, "c771", CPIOOld),
		magic{0, []byte("%PDF-"), PDF},
		m(0, "53594d430100", Ignored),     // Symantec definitions
		m(0, "377f0682002de218", Ignored), // SQLite WAL
		m(0, "377f0683002de218", Ignored),
		magic{0, []byte("SQLite format 3\x00"), Ignored},
		m(0, "d9d505f920a163d7", Ignored), // SQLite journal
		magic{0, []byte("FWS"), SWF},
		m(0, "4d53434600000000", MSCAB),
		magic{0, []byte("[aliases]"), PosixTar},    // CVE-2012-1419: wins over Script
		m(0, "0000000c6a5020200d0a870a", Graphics), // JPEG 2000
		m(0, "000001b3", BinaryData),               // MPEG
		m(0, "000001ba", BinaryData),
		magic{0, []byte("xar!"), XAR},
		m(0, "fd377a585a00", XZ),
		magic{512, []byte("EFI PART"), GPT},
		m(4, "d0cf11e0a1b11ae1", HWPOLE2),
		m(0, "48575020446f63756d656e742046696c652056332e3030201a0102030405", HWP3),
		magic{0, []byte(`{\rt`), RTF},
		magic{0, []byte("%!PS-Adobe-"), PS},
		m(0, "4c0000000114020000000000c000000000000046", LNK),
		magic{0, []byte("CWS"), SWF},
		magic{0, []byte("EGGA"), Egg},
		m(0, "89504e47", PNG),
		magic{0, []byte("GIF"), GIF},
		m(0, "ffd8ff", JPEG),
		m(0, "49492a00", TIFF),
		magic{0, []byte("MM"), TIFF},
		magic{0, []byte("{\n  \"Magic\":\"CLAMJSONv0\""), Internal},
		magic{0, []byte("ZWS"), SWF},
		m(0, "e4525c7b8cd8a74daeb15378d02996d3", OneNote),
	},
	pyc(),
	[]magic{
		magic{0, []byte("ALZ\x01"), ALZ},
	},
)

// pyc returns the magic numbers of compiled Python files: two version
// bytes and "\r\n".
func pyc() []magic {
	// Python 1.0 to 1.2 wrote "\x99\x00" after the version byte.
	out := []magic{m(0, "02099900", PythonCompiled), m(0, "03099900", PythonCompiled)}
	for _, v := range []string{
		"892e", "0417", "994e", "fcc4", "fdc4", "87c6", "88c6",
		"2aeb", "2beb", "2ded", "2eed", "3bf2", "3cf2", "45f2", "59f2", "63f2",
		"6df2", "6ef2", "77f2", "81f2", "8bf2", "8cf2", "95f2", "9ff2", "a9f2",
		"b3f2", "b4f2", "c7f2", "d1f2", "d2f2", "dbf2", "e5f2", "eff2", "f9f2",
		"03f3", "04f3", "0af3", "b80b", "c20b", "cc0b", "d60b", "e00b", "ea0b",
		"f40b", "f50b", "ff0b", "090c", "130c", "1d0c", "1f0c", "270c", "3b0c",
		"450c", "4f0c", "580c", "620c", "6c0c", "760c", "800c", "8a0c", "940c",
		"9e0c", "b20c", "bc0c", "c60c", "d00c", "da0c", "e40c", "ee0c", "f80c",
		"020d", "0c0d", "160d", "170d", "200d", "210d", "2a0d", "2b0d", "2c0d",
		"2d0d", "2f0d", "300d", "310d", "320d", "330d", "3e0d", "3f0d", "f00d",
		"0001", "5001",
	} {
		out = append(out, m(0, v+"0d0a", PythonCompiled))
	}
	return out
}

func concat[T any](parts ...[]T) []T {
	var out []T
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// typeSig is a type signature matched by pattern: its first part starts
// from `from` to `to` (to < 0: anywhere after from), or exactly eof bytes
// before the end when eof > 0.
type typeSig struct {
	from, to int
	eof      int
	pat      pattern
	t        Type
}

func anywhere(p string, t Type) typeSig { return typeSig{0, -1, 0, mustPattern(p), t} }
func at(off int, p string, t Type) typeSig {
	return typeSig{off, off, 0, mustPattern(p), t}
}
func within(off, shift int, p string, t Type) typeSig {
	return typeSig{off, off + shift, 0, mustPattern(p), t}
}

var typeSigs = concat(
	htmlSigs(),
	[]typeSig{
		anywhere("4d5a{60-300}50450000", MSEXE),
		anywhere("504b0304", ZipSFX),
		anywhere("526172211a0700", RARSFX),
		anywhere("60ea{7}0002", ARJSFX),
		anywhere("60ea{7}0102", ARJSFX),
		anywhere("60ea{7}0202", ARJSFX),
		anywhere("a3484bbe986c4aa9994c530a86d6487d41553321454130(35|36)", AutoIt),
		anywhere("efbeadde4e756c6c736f6674496e7374", NulSFT),
		at(0, "3c2540204c414e4755414745203d", HTML), // <%@ LANGUAGE =
		within(0, 1024, "0a(46|66)726f6d3a20{-1024}0a(4d|6d)(49|69)(4d|6d)(45|65)2d(56|76)657273696f6e3a20", Mail),
		within(0, 1024, "0a(46|66)726f6d3a20{-2048}0a(43|63)6f6e74656e742d(54|74)7970653a20", Mail),
		within(0, 1024, "0a(4d|6d)(49|69)(4d|6d)(45|65)2d(56|76)657273696f6e3a20{-2048}0a(43|63)6f6e74656e742d(54|74)7970653a20", Mail),
		within(0, 1024, "0a(4d|6d)6573736167652d(49|69)643a20{-1024}0a(43|63)6f6e74656e742d(54|74)7970653a20", Mail),
		within(0, 2048, "0a(52|72)656365697665643a20{-2048}0a(43|63)6f6e74656e742d(54|74)7970653a20", Mail),
		anywhere("496e7374616c6c536869656c6400{292}0600000000000000????????????????0000000001", IShieldMSI),
		anywhere("255044462d??2e", PDF),
		anywhere("257064662d??2e", PDF),
		within(0, 128, "2f5247420a49440affffffffffffffffffffffffffffffffffffffffffffffff", Ignored),
		anywhere("4d53434600000000", CABSFX),
		anywhere("014344303031{2043-2443}4344303031", ISO9660),
		within(0, 32768, "004245413031", UDF),
		within(8, 12, "19040010", SIS),
		within(0, 1024, "44656c6976657265642d546f3a{-256}52656365697665643a", Mail),
		at(0, "cafebabe0000000?", MachOUnibin),
		at(0, "cafebabe0000001?", MachOUnibin),
		at(0, "cafebabe0000002?", Java),
		at(0, "cafebabe0000003?", Java),
		{eof: 512, pat: mustPattern("6b6f6c79"), t: DMG}, // "koly"
		at(0, "3c3f786d6c2076657273696f6e3d22312e3022{0-1024}3c576f726b626f6f6b", XMLXL),
		at(0, "3c3f786d6c2076657273696f6e3d22312e3022{0-1024}3c776f7264446f63756d656e74", XMLWord),
		at(0, "3c3f786d6c2076657273696f6e3d22312e3022{0-1024}3c??3a576f726b626f6f6b", XMLXL),
		at(0, "3c3f786d6c2076657273696f6e3d22312e3022{0-1024}3c??3a776f7264446f63756d656e74", XMLWord),
		anywhere("3c7864703a786470", XDP),
		at(0, "4552{510}504d0000", APM),
		at(510, "55aa", MBR),
		at(0, "efbbbf3c3f786d6c2076657273696f6e3d22312e3022*3c4857504d4c", XMLHWP),
		at(0, "(4d|6d)(49|69)(4d|6d)(45|65)2d(56|76)657273696f6e3a20{-1024}0a(43|63)6f6e74656e742d(54|74)7970653a20", MHTML),
		anywhere("0a(4d|6d)(49|69)(4d|6d)(45|65)2d(56|76)657273696f6e3a20{-1024}0a(43|63)6f6e74656e742d(54|74)7970653a20", MHTML),
		anywhere("377abcaf271c", SevenZipSFX),
		at(0, "3c3f786d6c2076657273696f6e3d22312e3022{0-1024}70726f6769643d22576f72642e446f63756d656e74223f3e", XMLWord),
		at(0, "??0d0d0a", PythonCompiled),
		at(2, "2d6c68(30|31|32|33|34|35|36|37|64|78)2d", LHALZH),
		at(2, "2d6c7a(73|34|35)2d", LHALZH),
		at(2, "2d706d302d", LHALZH),
	},
)

// htmlSigs are the tags whose presence makes text HTML: "<a href", "<head>",
// "<html>", "<iframe", "<img", "<object", "<script", "<table" in upper,
// lower and mixed case as ClamAV lists them.
func htmlSigs() []typeSig {
	var out []typeSig
	for _, p := range []string{
		"3c4120*(68|48)(72|52)4546", "3c4120*(68|48)(72|52)6566",
		"3c484541443e", "3c48544d4c3e", "3c486561643e", "3c48746d6c3e",
		"3c494652414d45", "3c494d47", "3c496d67",
		"3c4f424a454354", "3c4f626a656374",
		"3c534352495054", "3c536372697074", "3c5441424c45",
		"3c6120*(68|48)(72|52)4546", "3c6120*(68|48)(72|52)6566",
		"3c686561643e", "3c68746d6c3e",
		"3c696672616d65", "3c696d67", "3c6f626a656374",
		"3c736372697074", "3c7461626c65",
	} {
		out = append(out, anywhere(p, HTML))
	}
	return out
}
