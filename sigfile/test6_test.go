package sigfile

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTest6Members parses every signature file of the real test-6.cvd
// (copied to testdata/test6, see testdata/README.md). Every line must
// parse; the copies are first checked against the CVD's own test.info.
func TestTest6Members(t *testing.T) {
	info := readLines(t, "testdata/test6/test.info")
	sums := map[string]string{}
	for _, l := range info[1:] {
		if f := strings.Split(l, ":"); len(f) == 3 {
			sums[f[0]] = f[2]
		}
	}
	files, _ := filepath.Glob("testdata/test6/*")
	count := map[string]int{}
	for _, path := range files {
		kind, _, ok := KindOf(path)
		if !ok {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if want := sums[filepath.Base(path)]; want != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: sha256 does not match test.info (%s)", path, want)
		}
		eachEntry(t, path, kind, func(_ int, e Entry) {
			if e.Skip == "" {
				count[e.TypeName()]++
			}
		})
	}
	// The member files hold these loadable signatures (plus one ndb line
	// for old engines only): hdb+hdu 3, hsb+hsu 2, mdb+mdu 2, msb+msu 2,
	// ndb 2, ldb 1, fp 1, sfp 1.
	want := map[string]int{"hdb": 3, "hsb": 2, "mdb": 2, "msb": 2, "ndb": 2, "ldb": 1, "fp": 1, "sfp": 1}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("%s: %d loadable signatures, want %d (all: %v)", k, count[k], n, count)
		}
	}
}
