package cdiff

import (
	"strconv"
	"testing"

	"github.com/sigtool/sigtool/cvd"
)

func BenchmarkParseVerify(b *testing.B) {
	raw := readCorpus(b, "test-3.cdiff")
	for b.Loop() {
		d, err := Parse(raw)
		if err != nil {
			b.Fatal(err)
		}
		if err := d.Verify(cvd.DefaultCdiffKey); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkApplyLarge edits a 100k-line file: one pass, no quadratic work.
func BenchmarkApplyLarge(b *testing.B) {
	var file, script []byte
	for i := 0; i < 100000; i++ {
		file = append(file, "0123456789abcdef0123456789abcdef:68:Sig.Name-1\n"...)
	}
	script = append(script, "OPEN big.hdb\n"...)
	for i := 1; i <= 100000; i += 100 {
		script = append(script, []byte("XCHG "+strconv.Itoa(i)+" 0123 replaced\n")...)
	}
	script = append(script, "ADD tail\nCLOSE\n"...)
	files := map[string][]byte{"big.hdb": file}
	b.SetBytes(int64(len(file)))
	for b.Loop() {
		if _, err := Apply(files, script); err != nil {
			b.Fatal(err)
		}
	}
}
