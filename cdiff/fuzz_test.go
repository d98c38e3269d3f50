package cdiff

import (
	"bytes"
	"fmt"
	"os"
	"testing"
)

func FuzzParse(f *testing.F) {
	for n := 2; n <= 6; n++ {
		f.Add(readCorpusF(n))
	}
	f.Add([]byte{})
	f.Add([]byte("ClamAV-Diff:1:0::abc"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(data)
		if err != nil {
			return
		}
		if !bytes.HasPrefix(data, d.Signed) || len(d.Signed)+1+len(d.Sig) != len(data) {
			t.Fatal("Signed and Sig do not split the input")
		}
		_ = d.Verify(nil)
		_, _ = ParseScript(d.Script)
	})
}

func readCorpusF(n int) []byte {
	b, _ := os.ReadFile(fmt.Sprintf("%s/test-%d.cdiff", corpusDir, n))
	return b
}

// FuzzApply: any script either fails or yields valid names, and the input
// map is never changed.
func FuzzApply(f *testing.F) {
	f.Add([]byte("OPEN a.ndb\nXCHG 4 four FOUR\nDEL 2 two\nADD six:6\nCLOSE\n"))
	f.Add([]byte("MOVE a.ndb b.hdb 2 two 4 four:\nUNLINK c.ldb\n"))
	f.Add([]byte("OPEN new.db\nADD x\nCLOSE\n# c\n"))
	for n := 2; n <= 6; n++ {
		if d, err := Parse(readCorpusF(n)); err == nil {
			f.Add(d.Script)
		}
	}
	f.Fuzz(func(t *testing.T, script []byte) {
		in := base()
		out, err := Apply(in, script)
		sameFiles(t, in, base())
		if err != nil {
			return
		}
		for name := range out {
			if _, orig := in[name]; !orig && checkName(name) != nil {
				t.Fatalf("created file with bad name %q", name)
			}
		}
	})
}
