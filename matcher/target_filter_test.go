package matcher

import (
	"fmt"
	"testing"

	"github.com/sigtool/sigtool/sigfile"
)

// TestTargetFilters: a tier whose entries are mostly for one target gets
// filters for the others (filterFor), and content of each type still
// finds the signatures of its target and of target 0, in both tiers and
// at every chunk size. No two of these share a gram, so that a filter
// missing an entry misses its signature.
func TestTargetFilters(t *testing.T) {
	var lines []string
	var pe, elf, any []string
	for i := range 40 {
		// PE-only signatures fill the tiers, as main.ldb does.
		lines = append(lines, fmt.Sprintf("PE.%d:1:*:%x", i, fmt.Sprintf("pe-only-%04d-sig", i)))
		lines = append(lines, fmt.Sprintf("PE.Short.%d:1:*:%02x??7a7b", i, 0x41+i))
	}
	for _, s := range []struct {
		name, target, hex string
		to                *[]string
	}{
		{"PE.Main", "1", "7065206d61696e207369676e6174757265", &pe}, // main tier
		{"PE.Short", "1", "71??7a7a", &pe},                          // every-byte tier
		{"ELF.Main", "6", fmt.Sprintf("%x", "elf header check"), &elf},
		{"ELF.Short", "6", "72??7c7d", &elf},
		{"Any.Main", "0", fmt.Sprintf("%x", "any content marker"), &any},
		{"Any.Short", "0", "73??6b6c", &any},
	} {
		lines = append(lines, s.name+":"+s.target+":*:"+s.hex)
		*s.to = append(*s.to, s.name)
	}
	body := "..pe main signature..q.zz..elf header check..r.|}..any content marker..s.kl.."
	peData := append(minimalPE(), body...)
	elfData := append([]byte("\x7fELF\x02\x01\x01\x00"), make([]byte, 120)...)
	elfData = append(elfData, body...)
	for _, chunk := range chunkSizes {
		var es []sigfile.Entry
		for _, l := range lines {
			es = append(es, entry(t, sigfile.KindNDB, l))
		}
		m := buildWith(t, chunk, es...)
		if len(m.tiers) != 2 {
			t.Fatalf("%d tiers, want both", len(m.tiers))
		}
		for ti, tr := range m.tiers {
			if tr.byTarget[6] == nil || tr.byTarget[1] != nil {
				t.Fatalf("tier %d: a target 6 filter %v, a target 1 filter %v; want only the first", ti, tr.byTarget[6] != nil, tr.byTarget[1] != nil)
			}
		}
		for _, tc := range []struct {
			name string
			data []byte
			want []string
		}{
			{"PE", peData, append(append([]string{}, pe...), any...)},
			{"ELF", elfData, append(append([]string{}, elf...), any...)},
			{"data", []byte(body), any},
		} {
			if got := detect(t, m, tc.data); !sameNames(got, tc.want) {
				t.Errorf("chunk %d, %s: got %v, want %v", chunk, tc.name, got, tc.want)
			}
		}
	}
}
