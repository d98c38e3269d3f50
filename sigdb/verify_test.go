package sigdb

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestVerifyCatchesCorruption damages a store file on disk in different
// ways; verify (or open) must fail every time, and never panic.
func TestVerifyCatchesCorruption(t *testing.T) {
	cases := []struct {
		name   string
		damage func(b []byte) []byte
	}{
		{"byte in a signature chunk", func(b []byte) []byte {
			i := bytes.Index(b, []byte("Eicar-Test-Signature"))
			if i < 0 {
				t.Fatal("signature text not found in store file")
			}
			b[i+3] ^= 0x20
			return b
		}},
		{"byte in the info record", func(b []byte) []byte {
			i := bytes.Index(b, []byte(`"by_type"`))
			if i < 0 {
				t.Fatal("info record not found in store file")
			}
			b[i+2] ^= 0x01
			return b
		}},
		{"every page after the meta pages", func(b []byte) []byte {
			for off := 8192 + 100; off < len(b); off += 4096 {
				b[off] ^= 0xff
			}
			return b
		}},
		{"page headers zeroed", func(b []byte) []byte {
			for off := 8192; off+16 < len(b); off += 4096 {
				copy(b[off:off+16], make([]byte, 16))
			}
			return b
		}},
		{"truncated", func(b []byte) []byte { return b[:len(b)/2] }},
		// Pages past the end of a truncated file are still inside bbolt's
		// memory map: reading them is SIGBUS, not a Go panic.
		{"truncated to three pages", func(b []byte) []byte { return b[:3*4096+10] }},
		// Page numbers far outside the map: reading them is SIGSEGV.
		{"page numbers out of range", func(b []byte) []byte {
			for off := 8192; off+4096 <= len(b); off += 4096 {
				for i := off + 16; i+8 <= off+4096; i += 8 {
					copy(b[i:], []byte{0xff, 0xff, 0xff, 0x0f, 0, 0, 0, 0})
				}
			}
			return b
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db, path := openTemp(t)
			mustImport(t, db, "", filepath.Join(feedsDir, "test-6.cvd"))
			if _, err := db.Verify(context.Background(), nil); err != nil {
				t.Fatalf("intact store fails verify: %v", err)
			}
			db.Close()
			b, _ := os.ReadFile(path)
			os.WriteFile(path, c.damage(b), 0o644)

			db, err := Open(path, &Options{ReadOnly: true})
			if err != nil {
				return // refusing to open a damaged store is a failure verdict too
			}
			defer db.Close()
			var problems []Problem
			_, err = db.Verify(context.Background(), func(p Problem) { problems = append(problems, p) })
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("verify of a damaged store: err = %v, want ErrCorrupt", err)
			}
			if len(problems) == 0 {
				t.Fatal("verify failed without reporting a problem")
			}
		})
	}
}
