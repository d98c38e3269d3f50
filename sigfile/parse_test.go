package sigfile

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestParseLineNoSignature(t *testing.T) {
	for _, kind := range []Kind{KindHDB, KindNDB, KindLDB, KindIGN2} {
		for _, line := range []string{"", "\r", "# comment", "#", "   ", "\t \r"} {
			if _, err := ParseLine(kind, line); err != ErrNoSignature {
				t.Errorf("ParseLine(%s, %q) error = %v, want ErrNoSignature", kind, line, err)
			}
		}
	}
}

func TestParseLineUnknownKind(t *testing.T) {
	_, err := ParseLine(Kind("cdb"), "a:b:c")
	if !errors.Is(err, ErrKind) || !errors.Is(err, ErrSyntax) {
		t.Errorf("error = %v, want ErrKind", err)
	}
}

func TestParseLineHash(t *testing.T) {
	const md5 = "44d88612fea8a8f36de82e1278abb02f"
	const sha1 = "3395856ce81f2b7382dee72602f798b642f14140"
	const sha256 = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"
	tests := []struct {
		kind     Kind
		line     string
		typ      HashType
		digest   string
		size     int64
		name     string
		section  bool
		allow    bool
		min, max int
		skip     bool
		typeName string
	}{
		{KindHDB, md5 + ":68:Eicar", MD5, md5, 68, "Eicar", false, false, 0, 0, false, "hdb"},
		{KindHDB, md5 + ":68:Eicar\r", MD5, md5, 68, "Eicar", false, false, 0, 0, false, "hdb"},
		{KindHDB, sha256 + ":68:Eicar", SHA256, sha256, 68, "Eicar", false, false, 0, 0, false, "hsb"},
		{KindHSB, sha1 + ":*:Any:73:255", SHA1, sha1, AnySize, "Any", false, false, 73, 255, false, "hsb"},
		{KindHSB, md5 + ":1:Md5InHsb", MD5, md5, 1, "Md5InHsb", false, false, 0, 0, false, "hdb"},
		{KindMDB, "45056:" + md5 + ":Sect", MD5, md5, 45056, "Sect", true, false, 0, 0, false, "mdb"},
		{KindMSB, "*:" + sha256 + ":Sect:73", SHA256, sha256, AnySize, "Sect", true, false, 73, 0, false, "msb"},
		{KindFP, md5 + ":10:Clean", MD5, md5, 10, "Clean", false, true, 0, 0, false, "fp"},
		{KindSFP, sha256 + ":10:Clean", SHA256, sha256, 10, "Clean", false, true, 0, 0, false, "sfp"},
		{KindSFP, md5 + ":10:Clean", MD5, md5, 10, "Clean", false, true, 0, 0, false, "fp"},
		{KindHDB, md5 + ":68:New:241", MD5, md5, 68, "New", false, false, 241, 0, true, "hdb"},
		{KindHDB, md5 + ":68:Old:1:239", MD5, md5, 68, "Old", false, false, 1, 239, true, "hdb"},
		{KindHDB, md5 + ":68:Exact:240:240", MD5, md5, 68, "Exact", false, false, 240, 240, false, "hdb"},
	}
	for _, tt := range tests {
		e, err := ParseLine(tt.kind, tt.line)
		if err != nil {
			t.Errorf("ParseLine(%s, %q): %v", tt.kind, tt.line, err)
			continue
		}
		h := e.Hash
		want, _ := hex.DecodeString(tt.digest)
		if e.Kind != tt.kind || h == nil || h.Type != tt.typ || !bytes.Equal(h.Digest, want) || h.Size != tt.size ||
			h.Name != tt.name || h.Section != tt.section || e.Allow != tt.allow || h.MinFL != tt.min || h.MaxFL != tt.max {
			t.Errorf("ParseLine(%s, %q) = %+v %+v", tt.kind, tt.line, e, h)
			continue
		}
		if (e.Skip != "") != tt.skip {
			t.Errorf("ParseLine(%s, %q).Skip = %q, want skip=%v", tt.kind, tt.line, e.Skip, tt.skip)
		}
		if e.InFLevel(FLevel) == tt.skip {
			t.Errorf("ParseLine(%s, %q).InFLevel(FLevel) = %v, want %v", tt.kind, tt.line, !tt.skip, !tt.skip)
		}
		if got := e.TypeName(); got != tt.typeName {
			t.Errorf("TypeName = %q, want %q", got, tt.typeName)
		}
		if e.Name() != tt.name {
			t.Errorf("Name = %q, want %q", e.Name(), tt.name)
		}
		if e.Body != nil || e.Logical != nil || e.Ignore != nil {
			t.Errorf("more than one pointer set: %+v", e)
		}
	}
}

func TestParseLineIgnore(t *testing.T) {
	tests := []struct {
		kind Kind
		line string
		name string
		md5  string
	}{
		{KindIGN2, "Eicar-Test-Signature", "Eicar-Test-Signature", ""},
		{KindIGN2, "Eicar:44d88612fea8a8f36de82e1278abb02f", "Eicar", "44d88612fea8a8f36de82e1278abb02f"},
		{KindIGN, "daily.ndb:12:Old.Name", "Old.Name", ""},
		{KindIGN, "Eicar", "Eicar", ""},
		{KindIGN2, "Ab", "Ab", ""},
	}
	for _, tt := range tests {
		e, err := ParseLine(tt.kind, tt.line)
		if err != nil {
			t.Errorf("ParseLine(%s, %q): %v", tt.kind, tt.line, err)
			continue
		}
		want, _ := hex.DecodeString(tt.md5)
		if tt.md5 == "" {
			want = nil
		}
		if e.Ignore == nil || e.Ignore.Name != tt.name || !bytes.Equal(e.Ignore.MD5, want) || (want == nil) != (e.Ignore.MD5 == nil) {
			t.Errorf("ParseLine(%s, %q) = %+v", tt.kind, tt.line, e.Ignore)
		}
		if e.TypeName() != string(tt.kind) || e.Name() != tt.name || !e.InFLevel(FLevel) {
			t.Errorf("methods on %q: %q %q %v", tt.line, e.TypeName(), e.Name(), e.InFLevel(FLevel))
		}
	}
}

func TestInFLevel(t *testing.T) {
	tests := []struct {
		e        Entry
		level    int
		expected bool
	}{
		{Entry{}, 1, true},
		{Entry{Hash: &HashSig{MinFL: 50}}, 49, false},
		{Entry{Hash: &HashSig{MinFL: 50}}, 50, true},
		{Entry{Body: &BodySig{MaxFL: 50}}, 50, true},
		{Entry{Body: &BodySig{MaxFL: 50}}, 51, false},
		{Entry{Body: &BodySig{MinFL: 10, MaxFL: 50}}, 9, false},
		{Entry{Logical: &LogicalSig{TDB: TargetBlock{EngineMin: 51, EngineMax: 255}}}, 240, true},
		{Entry{Logical: &LogicalSig{TDB: TargetBlock{EngineMin: 51, EngineMax: 99}}}, 240, false},
		{Entry{Logical: &LogicalSig{TDB: TargetBlock{EngineMin: 250}}}, 240, false},
	}
	for i, tt := range tests {
		if got := tt.e.InFLevel(tt.level); got != tt.expected {
			t.Errorf("case %d: InFLevel(%d) = %v", i, tt.level, got)
		}
	}
}

// TestSkippedLinesAgree checks that Skip and InFLevel(FLevel) agree for
// level-based skips across kinds.
func TestSkippedLinesAgree(t *testing.T) {
	for _, tt := range []struct {
		kind Kind
		line string
	}{
		{KindNDB, "A:0:*:aabbcc:241"},
		{KindNDB, "A:0:*:aabbcc:0:239"},
		{KindLDB, "A;Engine:241-255,Target:0;0;aabbcc"},
		{KindLDB, "A;Engine:51-239,Target:0;0;aabbcc"},
	} {
		e, err := ParseLine(tt.kind, tt.line)
		if err != nil {
			t.Fatalf("%q: %v", tt.line, err)
		}
		if e.Skip == "" || e.InFLevel(FLevel) {
			t.Errorf("%q: Skip=%q InFLevel=%v, want skipped", tt.line, e.Skip, e.InFLevel(FLevel))
		}
	}
}

func TestParseLineNDBFields(t *testing.T) {
	e, err := ParseLine(KindNDB, "Win.Test-1:1:EP+16,4:aabb{2}ccdd:51:255")
	if err != nil {
		t.Fatal(err)
	}
	b := e.Body
	if e.Kind != KindNDB || b == nil || b.Name != "Win.Test-1" || b.Target != 1 || b.Hex != "aabb{2}ccdd" ||
		b.MinFL != 51 || b.MaxFL != 255 || b.Offset != (Offset{Kind: OffEP, N: 16, MaxShift: 4}) ||
		len(b.Pattern.Parts) != 2 || b.Pattern.Gaps[0] != (Gap{2, 2}) || e.Skip != "" || e.TypeName() != "ndb" {
		t.Errorf("got %+v %+v", e, b)
	}
}

func TestParseLineLDBFields(t *testing.T) {
	line := "Pdf.Test;Engine:81-255,Target:10,FileSize:10-2000,Container:CL_TYPE_ZIP,Intermediates:CL_TYPE_MAIL>CL_TYPE_ZIP,HandlerType:CL_TYPE_PDF;0&1&2&3;" +
		"EOF-100,50:2f4a53::ia;0/ab\\/c;d/si;${1-5}3$;0(>>2#db4#>10,<20)"
	e, err := ParseLine(KindLDB, line)
	if err != nil {
		t.Fatal(err)
	}
	l := e.Logical
	if l == nil || l.Name != "Pdf.Test" || l.ExprText != "0&1&2&3" || len(l.Subs) != 4 {
		t.Fatalf("got %+v", l)
	}
	tdb := l.TDB
	if tdb.EngineMin != 81 || tdb.EngineMax != 255 || tdb.Target != 10 || *tdb.FileSize != (Range{10, 2000}) ||
		tdb.Container != "CL_TYPE_ZIP" || tdb.HandlerType != "CL_TYPE_PDF" || len(tdb.Intermediates) != 2 ||
		tdb.Intermediates[1] != "CL_TYPE_ZIP" || tdb.Other != nil {
		t.Errorf("TDB = %+v", tdb)
	}
	s0, s1, s2, s3 := l.Subs[0], l.Subs[1], l.Subs[2], l.Subs[3]
	if s0.Kind != SubBody || s0.Offset != (Offset{Kind: OffEOF, N: 100, MaxShift: 50}) || s0.Hex != "2f4a53" ||
		!s0.NoCase || !s0.ASCII || s0.Wide || s0.FullWord || len(s0.Pattern.Parts) != 1 {
		t.Errorf("sub 0 = %+v", s0)
	}
	if s1.Kind != SubPCRE || s1.Trigger != "0" || s1.Regex != "ab\\/c;d" || s1.Flags != "si" || s1.Raw != "0/ab\\/c;d/si" {
		t.Errorf("sub 1 = %+v", s1)
	}
	if s2.Kind != SubMacro || s2.MacroMin != 1 || s2.MacroMax != 5 || s2.MacroGroup != 3 {
		t.Errorf("sub 2 = %+v", s2)
	}
	if s3.Kind != SubByteCmp || s3.Raw != "0(>>2#db4#>10,<20)" {
		t.Errorf("sub 3 = %+v", s3)
	}
}

func TestParseLineLDBTooManySubsigs(t *testing.T) {
	expr := "0"
	for i := 1; i < 64; i++ {
		expr += "|" + strconv.Itoa(i)
	}
	line := "Max;Target:0;" + expr + strings.Repeat(";aabbcc", 64)
	if e, err := ParseLine(KindLDB, line); err != nil || len(e.Logical.Subs) != 64 {
		t.Errorf("64 subsignatures: %v", err)
	}
	line = "Many;Target:0;" + expr + "|64" + strings.Repeat(";aabbcc", 65)
	if _, err := ParseLine(KindLDB, line); !errors.Is(err, ErrSyntax) {
		t.Errorf("65 subsignatures: error = %v, want ErrSyntax", err)
	}
}

// TestParseLineSentinels checks that each kind of mistake is reported with
// its own sentinel, and that all of them are ErrSyntax.
func TestParseLineSentinels(t *testing.T) {
	const md5 = "44d88612fea8a8f36de82e1278abb02f"
	tests := []struct {
		kind Kind
		line string
		want error
	}{
		{KindHDB, md5 + ":68", ErrFields},
		{KindHDB, md5 + ":68:", ErrName},
		{KindHDB, "abc:68:N", ErrHash},
		{KindHDB, md5 + ":0:N", ErrSize},
		{KindHDB, md5 + ":*:N", ErrSize},
		{KindHDB, md5 + ":68:N:x", ErrFLevel},
		{KindNDB, "N:0:*", ErrFields},
		{KindNDB, ":0:*:aabbcc", ErrName},
		{KindNDB, "N:t:*:aabbcc", ErrTarget},
		{KindNDB, "N:0:EP+1:aabbcc", ErrOffset},
		{KindNDB, "N:0:*:aabbc", ErrPattern},
		{KindNDB, "N:0:*:aabb", ErrTooShort},
		{KindNDB, "N:0:*:aabb", ErrPattern},
		{KindLDB, "N;Target:0;0&;aabbcc", ErrLogic},
		{KindLDB, "N;Target:0;1;aabbcc", ErrLogic},
		{KindLDB, "N;Engine:51-255;0;aabbcc", ErrTDB},
		{KindLDB, "N;Engine:81-255,Target:0;0;aabbcc::z", ErrSubsig},
		{KindLDB, "N;Engine:81-255,Target:0;0;aa", ErrTooShort},
		{KindIGN2, "N:abc", ErrHash},
		{KindIGN, "a:b:", ErrName},
	}
	for _, tt := range tests {
		_, err := ParseLine(tt.kind, tt.line)
		if !errors.Is(err, tt.want) || !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseLine(%s, %q) = %v, want errors.Is %v and ErrSyntax", tt.kind, tt.line, err, tt.want)
		}
	}
}

// TestParser checks that a Parser's entries equal ParseLine's and stay
// intact as its blocks grow, and that after Reset it parses without
// allocating.
func TestParser(t *testing.T) {
	kinds := []Kind{KindHDB, KindHSB, KindMDB, KindFP}
	lines := make([]string, 1000)
	for i := range lines {
		d := strings.Repeat(strconv.Itoa(i%10), []int{32, 40, 64}[i%3])
		if kinds[i%len(kinds)] == KindMDB {
			lines[i] = strconv.Itoa(i+1) + ":" + d + ":Sect." + strconv.Itoa(i)
		} else {
			lines[i] = d + ":" + strconv.Itoa(i+1) + ":Name." + strconv.Itoa(i)
		}
	}
	var p Parser
	got := make([]Entry, len(lines))
	for i, line := range lines {
		e, err := p.ParseLine(kinds[i%len(kinds)], line)
		if err != nil {
			t.Fatalf("line %d %q: %v", i, line, err)
		}
		got[i] = e
	}
	for i, line := range lines {
		want, err := ParseLine(kinds[i%len(kinds)], line)
		if err != nil || !reflect.DeepEqual(got[i], want) {
			t.Fatalf("line %d: Parser gave %+v, ParseLine %+v (%v)", i, *got[i].Hash, *want.Hash, err)
		}
	}
	allocs := testing.AllocsPerRun(10, func() {
		p.Reset()
		for i, line := range lines {
			p.ParseLine(kinds[i%len(kinds)], line)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations parsing %d lines after Reset, want 0", allocs, len(lines))
	}
}
