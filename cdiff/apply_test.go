package cdiff

import (
	"errors"
	"strings"
	"testing"
)

func base() map[string][]byte {
	return map[string][]byte{
		"a.ndb": []byte("one:1\ntwo:2\nthree:3\nfour:4\nfive:5\n"),
		"b.hdb": []byte("hash1:10:Sig1\n"),
		"c.ldb": []byte("no newline at end"),
	}
}

func TestApply(t *testing.T) {
	tests := []struct {
		name, script string
		want         map[string]string // files that change; nil value = removed
	}{
		{"del first and last", "OPEN a.ndb\nDEL 1 one\nDEL 5 five:5 ignored words\nCLOSE\n",
			map[string]string{"a.ndb": "two:2\nthree:3\nfour:4\n"}},
		{"edits sorted at close", "OPEN a.ndb\nXCHG 4 four FOUR with spaces\nDEL 2 two\nADD six:6\nXCHG 1 o ONE\nCLOSE\n",
			map[string]string{"a.ndb": "ONE\nthree:3\nFOUR with spaces\nfive:5\nsix:6\n"}},
		{"xchg to empty line", "OPEN a.ndb\nXCHG 3 three \nCLOSE\n",
			map[string]string{"a.ndb": "one:1\ntwo:2\n\nfour:4\nfive:5\n"}},
		{"add creates file", "OPEN new.db\nADD x y z\nADD \nCLOSE\n",
			map[string]string{"new.db": "x y z\n\n"}},
		{"open close creates nothing", "OPEN new.db\nCLOSE\n", nil},
		{"add keeps missing newline", "OPEN c.ldb\nADD more\nCLOSE\n",
			map[string]string{"c.ldb": "no newline at endmore\n"}},
		{"comments skipped", "# header\nOPEN b.hdb\n#ADD no\nADD hash2:20:Sig2\nCLOSE\n#end",
			map[string]string{"b.hdb": "hash1:10:Sig1\nhash2:20:Sig2\n"}},
		{"no final newline", "OPEN b.hdb\nADD z\nCLOSE",
			map[string]string{"b.hdb": "hash1:10:Sig1\nz\n"}},
		{"move range", "MOVE a.ndb b.hdb 2 two 4 four:\n",
			map[string]string{"a.ndb": "one:1\nfive:5\n", "b.hdb": "hash1:10:Sig1\ntwo:2\nthree:3\nfour:4\n"}},
		{"move one line", "MOVE a.ndb b.hdb 5 five 5 five\n",
			map[string]string{"a.ndb": "one:1\ntwo:2\nthree:3\nfour:4\n", "b.hdb": "hash1:10:Sig1\nfive:5\n"}},
		{"move last line without newline", "MOVE c.ldb b.hdb 1 no 1 no\n",
			map[string]string{"c.ldb": "", "b.hdb": "hash1:10:Sig1\nno newline at end"}},
		{"unlink", "UNLINK b.hdb\n", map[string]string{"b.hdb": "\x00"}},
		{"unlink then recreate", "UNLINK b.hdb\nOPEN b.hdb\nADD fresh\nCLOSE\n", map[string]string{"b.hdb": "fresh\n"}},
		{"empty script", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := base()
			got, err := Apply(in, []byte(tt.script))
			if err != nil {
				t.Fatal(err)
			}
			sameFiles(t, in, base())
			want := base()
			for k, v := range tt.want {
				if v == "\x00" {
					delete(want, k)
				} else {
					want[k] = []byte(v)
				}
			}
			sameFiles(t, got, want)
		})
	}
}

func TestApplyErrors(t *testing.T) {
	tests := []struct {
		name, script string
		want         error
		text         string
	}{
		{"unknown command", "OPEN a.ndb\nFROB 1\nCLOSE\n", ErrSyntax, "line 2: unknown command \"FROB\""},
		{"empty line", "OPEN a.ndb\n\nCLOSE\n", ErrSyntax, "line 2: unknown command"},
		{"lowercase", "open a.ndb\n", ErrSyntax, "line 1"},
		{"open no name", "OPEN\n", ErrSyntax, "needs an argument"},
		{"add no space", "OPEN a.ndb\nADD\nCLOSE\n", ErrSyntax, "line 2"},
		{"close with arg", "OPEN a.ndb\nCLOSE now\n", ErrSyntax, "CLOSE takes no argument"},
		{"del no orig", "OPEN a.ndb\nDEL 1\nCLOSE\n", ErrSyntax, "DEL needs"},
		{"del line 0", "OPEN a.ndb\nDEL 0 x\nCLOSE\n", ErrSyntax, "line number"},
		{"del bad number", "OPEN a.ndb\nDEL -1 x\nCLOSE\n", ErrSyntax, "line number"},
		{"xchg no new", "OPEN a.ndb\nXCHG 1 one\nCLOSE\n", ErrSyntax, "XCHG needs"},
		{"move short", "MOVE a.ndb b.hdb 1 one 2\n", ErrSyntax, "MOVE needs"},
		{"move backwards", "MOVE a.ndb b.hdb 3 three 2 two\n", ErrSyntax, "backwards"},
		{"slash name", "OPEN ../etc/passwd\n", ErrSyntax, "forbidden byte 0x2f"},
		{"dotdot", "UNLINK ..\n", ErrSyntax, "database name"},
		{"space in name", "OPEN a b\n", ErrSyntax, "forbidden byte 0x20"},
		{"open twice", "OPEN a.ndb\nOPEN b.hdb\n", ErrApply, "script line 2 (OPEN): a.ndb is still open"},
		{"add without open", "ADD x\n", ErrApply, "no database open"},
		{"close without open", "CLOSE\n", ErrApply, "no database open"},
		{"move while open", "OPEN a.ndb\nMOVE a.ndb b.hdb 1 o 1 o\n", ErrApply, "still open"},
		{"unlink while open", "OPEN a.ndb\nUNLINK b.hdb\n", ErrApply, "still open"},
		{"left open", "OPEN a.ndb\nADD x\n", ErrApply, "still open (OPEN at line 1)"},
		{"del prefix", "OPEN a.ndb\nDEL 2 three\nCLOSE\n", ErrPrefix, `a.ndb line 2: expected prefix "three", found "two:2" (script line 2, DEL)`},
		{"xchg prefix", "OPEN a.ndb\nXCHG 5 four x\nCLOSE\n", ErrPrefix, "a.ndb line 5: expected prefix"},
		{"edit past end", "OPEN a.ndb\nDEL 6 x\nCLOSE\n", ErrApply, "a.ndb has 5 lines; the DEL of line 6 (script line 2) was never applied"},
		{"edit twice", "OPEN a.ndb\nDEL 2 two\nXCHG 2 two x\nCLOSE\n", ErrApply, "already edited at script line 2"},
		{"edit missing file", "OPEN z.ndb\nDEL 1 x\nCLOSE\n", ErrApply, "z.ndb does not exist"},
		{"edit without final newline", "OPEN c.ldb\nXCHG 1 no yes\nCLOSE\n", ErrApply, "c.ldb line 1 has no newline"},
		{"move missing src", "MOVE z.ndb b.hdb 1 a 1 a\n", ErrApply, "source z.ndb does not exist"},
		{"move missing dst", "MOVE a.ndb z.hdb 1 o 1 o\n", ErrApply, "destination z.hdb does not exist"},
		{"move same", "MOVE a.ndb a.ndb 1 o 1 o\n", ErrApply, "both a.ndb"},
		{"move start prefix", "MOVE a.ndb b.hdb 2 one 3 three\n", ErrPrefix, "a.ndb line 2: expected prefix \"one\""},
		{"move end prefix", "MOVE a.ndb b.hdb 2 two 3 four\n", ErrPrefix, "a.ndb line 3"},
		{"move past end", "MOVE a.ndb b.hdb 4 four 9 x\n", ErrApply, "a.ndb has 5 lines, cannot move lines 4..9"},
		{"unlink missing", "UNLINK z.ndb\n", ErrApply, "z.ndb does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := base()
			_, err := Apply(in, []byte(tt.script))
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.text) {
				t.Errorf("got %v\nwant %v containing %q", err, tt.want, tt.text)
			}
			sameFiles(t, in, base())
		})
	}
}

func TestParseScript(t *testing.T) {
	cmds, err := ParseScript([]byte("#c\nOPEN x.db\nXCHG 12 ab c d \nDEL 3   w  extra\nCLOSE\nMOVE a b 1 x 2 y\nUNLINK a\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Command{
		{Line: 2, Op: OpOpen, DB: "x.db"},
		{Line: 3, Op: OpXchg, N: 12, Orig: "ab", Text: "c d "},
		{Line: 4, Op: OpDel, N: 3, Orig: "w"},
		{Line: 5, Op: OpClose},
		{Line: 6, Op: OpMove, DB: "a", Dst: "b", N: 1, Orig: "x", N2: 2, Orig2: "y"},
		{Line: 7, Op: OpUnlink, DB: "a"},
	}
	if len(cmds) != len(want) {
		t.Fatalf("%d commands, want %d", len(cmds), len(want))
	}
	for i := range want {
		if cmds[i] != want[i] {
			t.Errorf("command %d: %+v, want %+v", i, cmds[i], want[i])
		}
	}
	if OpMove.String() != "MOVE" || Op(99).String() != "Op(99)" {
		t.Error("Op.String")
	}
}
