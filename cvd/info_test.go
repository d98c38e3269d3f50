package cvd

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestBuildParseVerifyInfo(t *testing.T) {
	priv := testKey(t, 2048)
	members := testMembers()
	data, err := BuildInfo(testHeader, members, priv)
	if err != nil {
		t.Fatal(err)
	}
	info, err := ParseInfo(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Entries) != 3 || info.Entries[0].Name != "test.hdb" || info.Entries[1].Size != 0 {
		t.Errorf("entries %+v", info.Entries)
	}
	if !bytes.HasPrefix(data, info.Signed) || !bytes.HasPrefix(data[len(info.Signed):], []byte("DSIG:")) {
		t.Error("Signed is not the text before DSIG")
	}
	if err := info.Verify(&priv.PublicKey); err != nil {
		t.Error(err)
	}
	if err := info.Verify(DefaultInfoKey); !errors.Is(err, ErrBadSignature) {
		t.Errorf("ClamAV key: %v", err)
	}
	h := testHeader
	h.Seconds = h.Time.Unix()
	if err := info.CheckHeader(h); err != nil {
		t.Error(err)
	}
	files := map[string][]byte{}
	for _, m := range members {
		files[m.Name] = m.Data
	}
	if err := info.CheckMembers(files); err != nil {
		t.Error(err)
	}

	unsigned, err := BuildInfo(testHeader, members, nil)
	if err != nil {
		t.Fatal(err)
	}
	ui, err := ParseInfo(unsigned)
	if err != nil {
		t.Fatal(err)
	}
	if err := ui.Verify(&priv.PublicKey); !errors.Is(err, ErrNoSignature) {
		t.Errorf("unsigned .info: %v, want ErrNoSignature", err)
	}
}

func TestInfoCheckHeader(t *testing.T) {
	data, _ := BuildInfo(testHeader, testMembers(), nil)
	info, err := ParseInfo(data)
	if err != nil {
		t.Fatal(err)
	}
	for name, mut := range map[string]func(*Header){
		"version":         func(h *Header) { h.Version++ },
		"signature count": func(h *Header) { h.Sigs++ },
		"FLEVEL":          func(h *Header) { h.FLevel++ },
		"build seconds":   func(h *Header) { h.Seconds = h.Time.Unix() + 1 },
	} {
		h := testHeader
		h.Seconds = h.Time.Unix()
		mut(&h)
		if err := info.CheckHeader(h); !errors.Is(err, ErrInfoHeader) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestInfoCheckMembers(t *testing.T) {
	data, _ := BuildInfo(testHeader, testMembers(), nil)
	info, _ := ParseInfo(data)
	base := map[string][]byte{}
	for _, m := range testMembers() {
		base[m.Name] = m.Data
	}
	for name, c := range map[string]struct {
		mut  func(map[string][]byte)
		want string
	}{
		"missing": {func(m map[string][]byte) { delete(m, "block.ldb") }, "block.ldb is listed in .info but missing"},
		"size":    {func(m map[string][]byte) { m["test.hdb"] = append(bytes.Clone(m["test.hdb"]), 'x') }, "test.hdb is 58 bytes, .info says 57"},
		"hash":    {func(m map[string][]byte) { m["empty.ndb"] = nil; m["test.hdb"] = bytes.ToUpper(m["test.hdb"]) }, "test.hdb has SHA-256"},
		"extra":   {func(m map[string][]byte) { m["extra.ndb"] = []byte("x") }, "extra.ndb is not listed"},
	} {
		files := map[string][]byte{}
		for k, v := range base {
			files[k] = v
		}
		c.mut(files)
		if err := info.CheckMembers(files); !errors.Is(err, ErrMemberMismatch) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}

func TestParseInfoErrors(t *testing.T) {
	const hdr = "ClamAV-VDB:22 Jun 2021 14-58 -0400:1:0:81:X:X:micasnyd:1624388302\n"
	const entry = "test.ndb:240:244a20e9da37de181ede6db64f85c97916381d91f65e1b39e4f9300cb0726be9\n"
	for name, c := range map[string]struct{ data, want string }{
		"empty":       {"", "empty"},
		"bad header":  {"ClamAV-XDB:1\n" + entry, "line 1"},
		"two fields":  {hdr + "test.ndb:240\n", "line 2: 2 fields"},
		"bad size":    {hdr + strings.Replace(entry, ":240:", ":2x0:", 1), "line 2: size"},
		"short hash":  {hdr + "test.ndb:240:244a\n", "line 2: SHA-256"},
		"nonhex hash": {hdr + strings.Replace(entry, "244a", "244g", 1), "line 2: SHA-256"},
		"slash name":  {hdr + strings.Replace(entry, "test.ndb", "a/b", 1), "line 2"},
		"duplicate":   {hdr + entry + entry, "line 3: \"test.ndb\" listed twice"},
		"after DSIG":  {hdr + entry + "DSIG:abc\n" + entry, "line 4: text after the DSIG line"},
		"empty DSIG":  {hdr + entry + "DSIG:\n", "line 3: empty DSIG"},
		"blank line":  {hdr + "\n" + entry, "line 2"},
		"unprintable": {strings.Replace(hdr, "micasnyd", "mica\x01", 1), "line 1"},
	} {
		_, err := ParseInfo([]byte(c.data))
		if !errors.Is(err, ErrBadInfo) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want ErrBadInfo with %q", name, err, c.want)
		}
	}
	// The last line may lack its newline.
	info, err := ParseInfo([]byte(hdr + entry + "DSIG:abc"))
	if err != nil || info.DSig != "abc" || string(info.Signed) != hdr+entry {
		t.Errorf("no final newline: %+v, %v", info, err)
	}
}

func TestContainerInfoMember(t *testing.T) {
	m := testMembers()
	m = append(m, Member{Name: "other.info", Data: []byte("x")})
	c, err := Read(build(t, testHeader, m, true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.VerifyInfo(DefaultInfoKey); !errors.Is(err, ErrBadInfo) {
		t.Errorf("two .info members: %v", err)
	}
	c.Members = c.Members[2:5]
	if _, _, err := c.InfoMember(); !errors.Is(err, ErrBadInfo) {
		t.Errorf("no .info member: %v", err)
	}
}
