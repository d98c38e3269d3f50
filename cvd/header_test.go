package cvd

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func pad(s string) []byte {
	return []byte(s + strings.Repeat(" ", HeaderSize-len(s)))
}

func TestParseHeader(t *testing.T) {
	const good = "ClamAV-VDB:22 Jun 2021 14-58 -0400:1:0:81:a4ab60ae1c1c4e8f787459102dcfd90b:sig:micasnyd:1624388302"
	h, err := ParseHeader(pad(good))
	if err != nil {
		t.Fatal(err)
	}
	want := Header{TimeText: "22 Jun 2021 14-58 -0400", Time: time.Unix(1624388302, 0).UTC(), Version: 1,
		FLevel: 81, MD5: "a4ab60ae1c1c4e8f787459102dcfd90b", DSig: "sig", Builder: "micasnyd", Seconds: 1624388302}
	h.Raw = ""
	if h != want {
		t.Errorf("got %+v\nwant %+v", h, want)
	}

	// Without field 8 the time comes from the text.
	old, err := ParseHeader(pad("ClamAV-VDB:22 Jun 2021 14-58 -0400:7:3:60:X:X:someone"))
	if err != nil {
		t.Fatal(err)
	}
	if old.Seconds != 0 || !old.Time.Equal(time.Date(2021, 6, 22, 18, 58, 0, 0, time.UTC)) {
		t.Errorf("8-field header: time %v seconds %d", old.Time, old.Seconds)
	}

	bad := map[string][]byte{
		"short":          []byte(good),
		"magic":          pad(strings.Replace(good, "ClamAV-VDB", "ClamAV-VDX", 1)),
		"tab":            pad(strings.Replace(good, "micasnyd", "mica\tsnyd", 1)),
		"newline":        pad(good + "\n"),
		"nul padding":    append([]byte(good), make([]byte, HeaderSize-len(good))...),
		"empty field":    pad(strings.Replace(good, ":81:", "::", 1)),
		"7 fields":       pad("ClamAV-VDB:22 Jun 2021 14-58 -0400:1:0:81:X:X"),
		"10 fields":      pad(good + ":1"),
		"signed version": pad(strings.Replace(good, ":1:0:", ":+1:0:", 1)),
		"hex sigs":       pad(strings.Replace(good, ":1:0:", ":1:0x1:", 1)),
		"huge flevel":    pad(strings.Replace(good, ":81:", ":9999999999999999999:", 1)),
		"bad seconds":    pad(strings.Replace(good, "1624388302", "16243883o2", 1)),
		"bad old time":   pad("ClamAV-VDB:yesterday:7:3:60:X:X:someone"),
	}
	for name, b := range bad {
		_, err := ParseHeader(b)
		if !errors.Is(err, ErrBadHeader) && !errors.Is(err, ErrTruncated) {
			t.Errorf("%s: got %v, want ErrBadHeader", name, err)
		}
	}
}

func TestHeaderMarshalRoundTrip(t *testing.T) {
	h := Header{Time: time.Date(2024, 2, 29, 23, 59, 0, 0, time.FixedZone("", -4*3600)),
		Version: 27000, Sigs: 2012345, FLevel: 240, Builder: "sigtool-test"}
	b, err := h.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseHeader(b[:])
	if err != nil {
		t.Fatal(err)
	}
	if got.TimeText != "29 Feb 2024 23-59 -0400" || got.Seconds != h.Time.Unix() || got.Version != h.Version ||
		got.Sigs != h.Sigs || got.FLevel != h.FLevel || got.MD5 != "X" || got.DSig != "X" || got.Builder != h.Builder {
		t.Errorf("round trip: %+v", got)
	}
	for name, bad := range map[string]Header{
		"colon in builder": {Time: h.Time, Builder: "a:b"},
		"empty builder":    {Time: h.Time},
		"no time":          {Builder: "x"},
		"negative":         {Time: h.Time, Builder: "x", Version: -1},
		"too long":         {Time: h.Time, Builder: strings.Repeat("b", 600)},
	} {
		if _, err := bad.Marshal(); !errors.Is(err, ErrBadHeader) {
			t.Errorf("%s: %v, want ErrBadHeader", name, err)
		}
	}
}
