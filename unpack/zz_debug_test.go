package unpack

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestZZDebugWalk(t *testing.T) {
	glob := os.Getenv("WALKGLOB")
	if glob == "" {
		t.Skip()
	}
	files, _ := filepath.Glob(glob)
	for _, f := range files {
		data, _ := os.ReadFile(f)
		n, errs := 0, 0
		var total int64
		info, err := Walk(context.Background(), Identify(data[:min(len(data), 512)]), bytes.NewReader(data), int64(len(data)), DefaultLimits(), func(m Member) error {
			n++
			total += m.Size
			if m.Err != nil {
				errs++
				if errs < 4 {
					fmt.Printf("   %s: %v\n", m.Name, m.Err)
				}
			}
			if os.Getenv("WALKV") != "" {
				fmt.Printf("   %s %d\n", m.Name, m.Size)
			}
			return nil
		})
		fmt.Printf("%s: %s members=%d yielded=%d bytes=%d memberErrs=%d enc=%v err=%v\n", filepath.Base(f), info.Format, info.MemberCount, n, total, errs, info.Encrypted, err)
	}
}
