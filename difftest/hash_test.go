package difftest

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"testing"
)

func md5hex(b []byte) string    { s := md5.Sum(b); return hex.EncodeToString(s[:]) }
func sha1hex(b []byte) string   { s := sha1.Sum(b); return hex.EncodeToString(s[:]) }
func sha256hex(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// oneByteOff returns a copy of b with its last byte changed: same size,
// different hashes, the nearest miss a hash signature has.
func oneByteOff(b []byte) []byte {
	c := append([]byte(nil), b...)
	c[len(c)-1] ^= 1
	return c
}

// hashCase is a case of one line in file db: "HASH:SIZE:Dt.NAME[:MINFL]".
func hashCase(name, db, digest, size string, samples ...sample) diffCase {
	sig := "Dt." + name
	line := digest + ":" + size + ":" + sig
	if size == "*" {
		line += ":73" // ClamAV refuses "*" sizes below functionality level 73
	}
	return diffCase{name: name, sig: sig, db: map[string][]string{db: {line}}, samples: samples}
}

// sectCase is a case of one PE section hash line "SIZE:HASH:Dt.NAME".
func sectCase(name, db, size, digest string, samples ...sample) diffCase {
	sig := "Dt." + name
	line := size + ":" + digest + ":" + sig
	if size == "*" {
		line += ":73"
	}
	return diffCase{name: name, sig: sig, db: map[string][]string{db: {line}}, samples: samples}
}

// TestHashSignatures covers whole-file MD5, SHA-1 and SHA-256 with a size
// and with "*", in .hdb and .hsb, and PE section hashes in .mdb and .msb.
func TestHashSignatures(t *testing.T) {
	clamscanPath(t)
	file := func(s string) []byte { return bin("hashed sample: " + s) }
	size := func(b []byte) string { return strconv.Itoa(len(b)) }
	a, b, c, d, e, f := file("a"), file("b"), file("c"), file("d"), file("e"), file("f")

	pe, lay := samplePE()
	peA := patch(pe, lay.secOff[1]+10, "section hash A")
	peB := patch(pe, lay.secOff[2]+10, "section hash B")
	secA, secB := lay.section(peA, 1), lay.section(peB, 2)

	runCases(t, []diffCase{
		hashCase("MD5", "c.hdb", md5hex(a), size(a),
			hit("same", a), miss("byte", oneByteOff(a))),
		hashCase("MD5WrongSize", "c.hdb", md5hex(a), strconv.Itoa(len(a)+1),
			miss("same", append([]byte(nil), a...))),
		hashCase("MD5Any", "c.hdb", md5hex(b), "*",
			hit("same", b), miss("byte", oneByteOff(b))),
		hashCase("SHA1", "c.hsb", sha1hex(c), size(c),
			hit("same", c), miss("byte", oneByteOff(c))),
		hashCase("SHA256", "c.hsb", sha256hex(d), size(d),
			hit("same", d), miss("byte", oneByteOff(d))),
		hashCase("SHA256Any", "c.hsb", sha256hex(e), "*",
			hit("same", e), miss("byte", oneByteOff(e))),
		// The hash type comes from the digest's length, not the file's
		// extension: an SHA-256 in an .hdb file is an SHA-256 signature.
		hashCase("SHA256InHDB", "c.hdb", sha256hex(f), size(f),
			hit("same", f), miss("byte", oneByteOff(f))),

		sectCase("SectMD5", "c.mdb", size(secA), md5hex(secA),
			hit("pe", peA), miss("other", peB), miss("plain", bin(string(secA)))),
		sectCase("SectMD5Any", "c.mdb", "*", md5hex(secA),
			hit("pe", patch(peA, lay.secOff[2], "other section differs")), miss("other", peB)),
		sectCase("SectSHA1", "c.msb", size(secB), sha1hex(secB),
			hit("pe", peB), miss("other", peA)),
		sectCase("SectSHA256", "c.msb", size(secB), sha256hex(secB),
			hit("pe", patch(peB, lay.secOff[0]+100, "elsewhere")), miss("other", peA)),
	})
}
