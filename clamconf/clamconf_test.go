package clamconf

import (
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		name, in string
		want     []Directive
	}{
		{"plain", "Checks 24\nDatabaseMirror a.example\nDatabaseMirror b.example\n",
			[]Directive{{"Checks", "24", 1}, {"DatabaseMirror", "a.example", 2}, {"DatabaseMirror", "b.example", 3}}},
		{"blanks and comments", "# comment\n\n  \t LogTime\t yes  \r\n#Checks 3\n",
			[]Directive{{"LogTime", "yes", 3}}},
		{"inline comment", "HTTPProxyPort 3128   # squid\n", []Directive{{"HTTPProxyPort", "3128", 1}}},
		{"quoted", "HTTPUserAgent \"ClamAV/1.4 (x)\"\nHTTPProxyPassword \"a b\"\n",
			[]Directive{{"HTTPUserAgent", "ClamAV/1.4 (x)", 1}, {"HTTPProxyPassword", "a b", 2}}},
		{"no final newline", "Checks 2", []Directive{{"Checks", "2", 1}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := Parse("x.conf", strings.NewReader(c.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(f.Directives, c.want) {
				t.Errorf("got %+v, want %+v", f.Directives, c.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Example\nChecks 3\n", "x.conf:1: \"Example\": this is ClamAV's unedited sample file"},
		{"Checks 3\nForeground\n", "x.conf:2: Foreground: no value"},
		{"PidFile   # none\n", "x.conf:1: PidFile: no value"},
		{"HTTPUserAgent \"open\n", "x.conf:1: HTTPUserAgent: no closing quote"},
		{"HTTPUserAgent " + strings.Repeat("x", 600) + "\n", "x.conf:1: line longer than 512 bytes"},
	} {
		if _, err := Parse("x.conf", strings.NewReader(c.in)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%.30q: error %v, want %q", c.in, err, c.want)
		}
	}
}

func TestValues(t *testing.T) {
	f := &File{Path: "x.conf"}
	for _, v := range []string{"yes", "YES", "true", "True", "1"} {
		if !Bool(Directive{Value: v}) {
			t.Errorf("Bool(%q) = false", v)
		}
	}
	for _, v := range []string{"no", "false", "0", "on"} {
		if Bool(Directive{Value: v}) {
			t.Errorf("Bool(%q) = true", v)
		}
	}
	if n, err := f.Size(Directive{Name: "MaxFileSize", Value: "25M", Line: 3}); err != nil || n != 25<<20 {
		t.Errorf("Size(25M) = %d, %v", n, err)
	}
	if _, err := f.Number(Directive{Name: "Checks", Value: "12x", Line: 4}); err == nil || !strings.HasPrefix(err.Error(), "x.conf:4: Checks") {
		t.Errorf("Number(12x): %v", err)
	}
	ff, _ := Parse("x.conf", strings.NewReader("TCPAddr a\nChecks 1\nTCPAddr b\nChecks 2\n"))
	if d, _ := ff.Last("Checks"); d.Value != "2" || len(ff.All("TCPAddr")) != 2 {
		t.Errorf("Last(Checks) = %q, All(TCPAddr) = %v", d.Value, ff.All("TCPAddr"))
	}
}

// FuzzParse: any input parses or fails with an error naming the file;
// every directive has a name without blanks and a value.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"Checks 24\n", "# c\n  A \"b c\" # d\n", "Example\n", "X\n", "A \"\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		p, err := Parse("f.conf", strings.NewReader(in))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.conf") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		for _, d := range p.Directives {
			if d.Name == "" || d.Value == "" || strings.ContainsAny(d.Name, " \t") || d.Name[0] == '#' || d.Line < 1 {
				t.Fatalf("directive %+v from %q", d, in)
			}
		}
	})
}
