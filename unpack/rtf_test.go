package unpack

import (
	"encoding/binary"
	"encoding/hex"
	"strings"
	"testing"
)

// ole1Object builds an OLE1 ObjectHeader + EmbeddedObject for class.
func ole1Object(class string, native []byte) []byte {
	b := binary.LittleEndian.AppendUint32(nil, 0x0501)
	b = binary.LittleEndian.AppendUint32(b, 2)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(class)+1))
	b = append(b, class+"\x00"...)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(native)))
	return append(b, native...)
}

// rtfHex writes b as hex lines of 64 digits, as Word does.
func rtfHex(b []byte) string {
	h := hex.EncodeToString(b)
	var s strings.Builder
	for i := 0; i < len(h); i += 64 {
		s.WriteString(h[i:min(i+64, len(h))] + "\r\n")
	}
	return s.String()
}

func TestRTFObjects(t *testing.T) {
	payload := []byte("MZ\x90\x00 packaged program")
	pkg := ole10NativeStream("evil.exe", payload)[4:] // RTF's package data has no size prefix
	doc := buildCFB(t, []cfbFile{{"WordDocument", []byte("inner document")}})
	obfuscated := rtfHex(ole1Object("Package", pkg))
	obfuscated = obfuscated[:20] + `\par{\*\junk 0000}` + " \t" + obfuscated[20:]
	rtf := `{\rtf1\ansi{\fonttbl{\f0 Times;}}\pard Hello` +
		`{\object\objemb{\*\objclass Package}{\*\objdata ` + obfuscated + `}}` +
		`{\object\objemb{\*\objdata ` + rtfHex(ole1Object("Word.Document.8", doc.Data)) + `}}` +
		`{\object{\*\objdata 01050000\bin4 ` + "\x02\x00\x00\x00" + `01000000` + `00` + `00000000` + `00000000` + `04000000` + hex.EncodeToString([]byte("raw!")) + `}}` +
		`{\*\objdata zz}` + // no hex at all: nothing to yield
		`}`
	data := []byte(rtf)
	if Identify(data) != RTF {
		t.Fatalf("Identify = %s", Identify(data))
	}
	members, info, err := walkAll(t, RTF, data, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"objdata-1/evil.exe": string(payload),
		"objdata-2":          string(doc.Data),
		"objdata-3":          "raw!",
	}
	if len(members) != len(want) || info.MemberCount != len(want) {
		t.Errorf("%d members (count %d): %+v", len(members), info.MemberCount, members)
	}
	for name, w := range want {
		if m := findMember(members, name); m == nil || m.data != w {
			t.Errorf("%s: %+v", name, m)
		}
	}
}

func FuzzWalkRTF(f *testing.F) {
	pkg := ole10NativeStream("a.exe", []byte("payload"))[4:]
	f.Add([]byte(`{\rtf1{\object{\*\objdata ` + rtfHex(ole1Object("Package", pkg)) + `}}}`))
	f.Add([]byte(`{\rt{\*\objdata 0105\bin3 abc{\*\x 00}0000}`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzWalk(t, RTF, data) })
}
