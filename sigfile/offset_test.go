package sigfile

import (
	"errors"
	"strings"
	"testing"
)

func TestParseOffset(t *testing.T) {
	tests := []struct {
		in   string
		want Offset
	}{
		{"*", Offset{Kind: OffAny, MaxShift: NoShift}},
		{"0", Offset{Kind: OffAbs, N: 0, MaxShift: NoShift}},
		{"4294967295", Offset{Kind: OffAbs, N: 4294967295, MaxShift: NoShift}},
		{"100,20", Offset{Kind: OffAbs, N: 100, MaxShift: 20}},
		{"EOF-512", Offset{Kind: OffEOF, N: 512, MaxShift: NoShift}},
		{"EOF-512,10", Offset{Kind: OffEOF, N: 512, MaxShift: 10}},
		{"EP+16", Offset{Kind: OffEP, N: 16, MaxShift: NoShift}},
		{"EP-16,4", Offset{Kind: OffEP, N: -16, MaxShift: 4}},
		{"S3+50", Offset{Kind: OffSection, Section: 3, N: 50, MaxShift: NoShift}},
		{"S0+0,8", Offset{Kind: OffSection, Section: 0, N: 0, MaxShift: 8}},
		{"SE2", Offset{Kind: OffSectionWhole, Section: 2, MaxShift: NoShift}},
		{"SE2,100", Offset{Kind: OffSectionWhole, Section: 2, MaxShift: 100}},
		{"SL+550", Offset{Kind: OffLastSection, N: 550, MaxShift: NoShift}},
		{"VI", Offset{Kind: OffVersionInfo, MaxShift: NoShift}},
		{"$0$", Offset{Kind: OffMacro, Macro: 0, MaxShift: NoShift}},
		{"$31$,5", Offset{Kind: OffMacro, Macro: 31, MaxShift: 5}},
	}
	for _, tt := range tests {
		got, err := ParseOffset(tt.in)
		if err != nil {
			t.Errorf("ParseOffset(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseOffset(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if s := got.String(); s != tt.in {
			t.Errorf("ParseOffset(%q).String() = %q", tt.in, s)
		}
	}
}

func TestParseOffsetErrors(t *testing.T) {
	for _, in := range []string{
		"", "*,1", "x", "-1", "+1", "1.5", "4294967296", "10,", "10,-1", "10,4294967296", "EP", "EP+", "EP+x",
		"EP*1", "EOF", "EOF-", "EOF+1", "S", "S1", "S+1", "S1+", "Sx+1", "SE", "SEx", "SL", "SL+", "SL-1",
		"VI1", "VI+1", "$", "$$", "$1", "$x$", "$32$", "1,2,3", strings.Repeat("1", 65),
	} {
		if o, err := ParseOffset(in); !errors.Is(err, ErrOffset) || !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseOffset(%q) = %+v, %v; want ErrOffset", in, o, err)
		}
	}
}

func TestOffsetTarget(t *testing.T) {
	for _, tt := range []struct {
		off    string
		target int
		ok     bool
	}{
		{"*", 0, true}, {"10", 3, true}, {"EOF-1", 7, true}, {"$1$", 0, true},
		{"EP+1", 1, true}, {"EP+1", 6, true}, {"EP+1", 9, true}, {"EP+1", 0, false}, {"EP-1", 10, false},
		{"S1+2", 2, false}, {"SE1", 4, false}, {"SL+1", 5, false}, {"VI", 7, false}, {"VI", 1, true},
	} {
		o, err := ParseOffset(tt.off)
		if err != nil {
			t.Fatal(err)
		}
		if err := o.checkTarget(tt.target); (err == nil) != tt.ok {
			t.Errorf("offset %s for target %d: err = %v, want ok=%v", tt.off, tt.target, err, tt.ok)
		}
	}
}
