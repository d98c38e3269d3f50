package filetype

import "testing"

// TestExtra: containers ClamAV does not type keep ClamAV's type for
// Identify (binary data or text), and Extra names them; their names are not
// ClamAV's, so a signature cannot name them.
func TestExtra(t *testing.T) {
	for _, tc := range []struct {
		name string
		head []byte
		want Type
	}{
		{"ace", []byte("\x8d\x3a\x31\x00\x00\x00\x90**ACE**\x14\x14"), ACE},
		{"stuffit", []byte("SIT!\x00\x02\x00\x00\x10\x00rLau"), StuffIt},
		{"stuffit 5", []byte("StuffIt (c)1997-2002 Aladdin Systems, Inc."), StuffIt},
		{"zoo", append([]byte("ZOO 2.10 Archive.\x1a\x00\x00"), 0xdc, 0xa7, 0xc4, 0xfd, 0x22, 0, 0, 0), Zoo},
		{"installshield cabinet", []byte("ISc(\x04\x00\x01\x00\x00\x00\x00\x00"), ISCab},
		{"zip", []byte("PK\x03\x04\x14\x00"), Any},
		{"ace too short", []byte("\x8d\x3a\x31\x00\x00\x00\x90**AC"), Any},
	} {
		if got := Extra(tc.head); got != tc.want {
			t.Errorf("%s: Extra = %s, want %s", tc.name, got, tc.want)
		}
		if tc.want != Any {
			if got := Identify(tc.head); got > Ignored {
				t.Errorf("%s: Identify = %s, want ClamAV's type", tc.name, got)
			}
			if _, ok := Parse("CL_TYPE_" + tc.want.String()); ok {
				t.Errorf("%s: Parse knows %s", tc.name, tc.want)
			}
		}
	}
}
