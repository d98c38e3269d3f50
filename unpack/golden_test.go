package unpack

import (
	"bytes"
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// TestGolden walks the checked-in fixtures and compares a listing (name,
// size, SHA-256 prefix, flags) with testdata/NAME.golden.
func TestGolden(t *testing.T) {
	for _, name := range []string{"plain.7z", "encrypted.7z", "encrypted-headers.7z", "hello.txt.bz2"} {
		t.Run(name, func(t *testing.T) {
			data := readTestdata(t, name)
			var out bytes.Buffer
			members, info, err := walkAll(t, Identify(data), data, DefaultLimits())
			fmt.Fprintf(&out, "format=%s members=%d encrypted=%v err=%v\n", info.Format, info.MemberCount, info.Encrypted, err)
			for _, m := range members {
				fmt.Fprintf(&out, "%q size=%d sha256=%x encrypted=%v err=%v\n",
					m.name, len(m.data), sha256.Sum256([]byte(m.data)), m.encrypted, m.err)
			}
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Errorf("listing differs from %s:\n got: %s\nwant: %s", golden, out.Bytes(), want)
			}
		})
	}
}
