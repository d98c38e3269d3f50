package difftest

import (
	"strconv"
	"testing"
)

// TestAllowAndIgnoreLists covers .fp and .sfp allow lists (a listed file is
// clean whatever matches it) and .ign2 ignore lists by name and by the MD5
// of the signature's database line.
func TestAllowAndIgnoreLists(t *testing.T) {
	clamscanPath(t)
	allowed := func(s string) []byte { return bin("allowme " + s) }
	fa, fb, fc, fd := allowed("md5"), allowed("sha1"), allowed("sha256"), allowed("not listed")
	size := func(b []byte) string { return strconv.Itoa(len(b)) }

	fp := diffCase{name: "Allow", sig: "Dt.Allow", db: map[string][]string{
		"c.ndb": {"Dt.Allow:0:*:" + hx("allowme")},
		"c.fp":  {md5hex(fa) + ":" + size(fa) + ":allow-md5"},
		"c.sfp": {sha1hex(fb) + ":" + size(fb) + ":allow-sha1", sha256hex(fc) + ":" + size(fc) + ":allow-sha256"},
	}, samples: []sample{
		miss("md5", fa), miss("sha1", fb), miss("sha256", fc),
		hit("unlisted", fd), hit("near", oneByteOff(fa)),
	}}

	// The allow list works on hash signatures too.
	hashed := bin("allowed although hash-listed")
	fpHash := diffCase{name: "AllowHash", sig: "Dt.AllowHash", db: map[string][]string{
		"c.hdb": {md5hex(hashed) + ":" + size(hashed) + ":Dt.AllowHash"},
		"c.fp":  {md5hex(hashed) + ":" + size(hashed) + ":allow-hashed"},
	}, samples: []sample{miss("listed", hashed)}}

	lineMD5 := func(line string) string { return md5hex([]byte(line)) }
	byMD5 := "Dt.IgnMD5:0:*:" + hx("ign by md5")
	otherMD5 := "Dt.IgnOtherMD5:0:*:" + hx("ign other md5")
	ignHashed := bin("ignored hash signature")
	// Each ignore case has its own .ign2 file: ClamAV carries an MD5 from
	// one line of a file into the next name-only line (case IgnAfterMD5).
	ign := []diffCase{
		{name: "IgnName", sig: "Dt.IgnName", db: map[string][]string{
			"c.ndb":     {"Dt.IgnName:0:*:" + hx("ign by name")},
			"name.ign2": {"Dt.IgnName"},
		}, samples: []sample{miss("in", bin("ign by name"))}},
		{name: "IgnMD5", sig: "Dt.IgnMD5", db: map[string][]string{
			"c.ndb":    {byMD5},
			"md5.ign2": {"Dt.IgnMD5:" + lineMD5(byMD5)},
		}, samples: []sample{miss("in", bin("ign by md5"))}},
		// An entry whose MD5 is not that of the line (the signature was
		// edited since) no longer ignores it.
		{name: "IgnOtherMD5", sig: "Dt.IgnOtherMD5", db: map[string][]string{
			"c.ndb":      {otherMD5},
			"other.ign2": {"Dt.IgnOtherMD5:" + lineMD5(otherMD5+" edited")},
		}, samples: []sample{hit("in", bin("ign other md5"))}},
		{name: "IgnHash", sig: "Dt.IgnHash", db: map[string][]string{
			"c.hdb":     {md5hex(ignHashed) + ":" + size(ignHashed) + ":Dt.IgnHash"},
			"hash.ign2": {"Dt.IgnHash"},
		}, samples: []sample{miss("in", ignHashed)}},
		// The seed's name is longer than the next line's, so the stale
		// pointer still finds intact MD5 text; with a longer next line it
		// finds garbage and the whole database fails to load.
		{name: "IgnAfterMD5", sig: "Dt.IgnAfterMD5", db: map[string][]string{
			"c.ndb":    {"Dt.IgnAfterMD5:0:*:" + hx("ign after md5")},
			"bug.ign2": {"Dt.IgnSeedWithALongerName:" + lineMD5("any other line"), "Dt.IgnAfterMD5"},
		}, samples: []sample{{name: "in", data: bin("ign after md5"), hit: false,
			clamDiffers: "ClamAV bug: cli_loadign (libclamav/readdb.c) sets `hash` only on NAME:MD5 " +
				"lines and never resets it, so a later name-only line keeps a pointer into the " +
				"previous line's buffer and becomes MD5-qualified (ignoring nothing); we ignore " +
				"the name as written"}}},
	}
	runCases(t, append([]diffCase{fp, fpHash}, ign...))
}
