package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/pflag"
)

// clamscan writes its switches as --name[=yes/no]; yesNo takes that form
// and pflag's true/false, so `-r`, `--recursive=yes` and `--recursive=no`
// all mean what they mean to clamscan.
type yesNo bool

func (b *yesNo) Set(s string) error {
	switch strings.ToLower(s) {
	case "yes", "y", "true", "1", "on":
		*b = true
	case "no", "n", "false", "0", "off":
		*b = false
	default:
		return fmt.Errorf("want yes or no, not %q", s)
	}
	return nil
}

func (b *yesNo) String() string {
	if *b {
		return "yes"
	}
	return "no"
}

func (b *yesNo) Type() string { return "yes/no" }

// yesNoVarP defines a clamscan-style switch: given alone it means yes.
func yesNoVarP(f *pflag.FlagSet, p *yesNo, name, short string, def bool, usage string) {
	*p = yesNo(def)
	f.VarP(p, name, short, usage)
	f.Lookup(name).NoOptDefVal = "yes"
}

// clamscanOption is one of clamscan's options that sigtool scan does not
// implement: it is parsed, so a script's command line is understood, and
// refused unless its value asks for what sigtool does anyway.
type clamscanOption struct {
	name, short string
	// arg is "" for a switch (--name or --name=yes/no), else the name of
	// its required argument.
	arg string
	// accept lists the values whose meaning holds for sigtool scan as it
	// is ("no" for a feature it does not have); "*" accepts any value.
	accept []string
	// why ends the refusal, or says why an accepted value changes nothing.
	why string
}

// clamscanOnly are clamscan 1.4's options (clamscan --help) that are not
// sigtool scan flags of their own. The README's table lists them all with
// the supported ones; TestClamscanOptionsKnown checks both lists against
// the installed clamscan's --help.
var clamscanOnly = []clamscanOption{
	{name: "archive-verbose", short: "a", why: "sigtool's own output (without --compat) names the archive member of every match"},
	{name: "debug", why: "it shows libclamav's debug messages"},
	{name: "leave-temps", accept: []string{"no"}, why: "sigtool scan writes no temporary files"},
	{name: "force-to-disk", accept: []string{"no"}, why: "sigtool scan writes no temporary files"},
	{name: "gen-json", accept: []string{"no"}, why: "use --json for sigtool's JSON verdicts"},
	{name: "tempdir", arg: "DIRECTORY", accept: []string{"*"}, why: "sigtool scan writes no temporary files"},
	{name: "remove", accept: []string{"no"}, why: "act on the --json verdicts, or let mailscan quarantine mail attachments"},
	{name: "move", arg: "DIRECTORY", why: "act on the --json verdicts, or let mailscan quarantine mail attachments"},
	{name: "copy", arg: "DIRECTORY", why: "act on the --json verdicts, or let mailscan quarantine mail attachments"},
	{name: "bytecode", accept: []string{"no"}, why: "bytecode signatures are kept in the store but not run"},
	{name: "bytecode-unsigned", accept: []string{"no"}, why: "bytecode signatures are kept in the store but not run"},
	{name: "bytecode-timeout", arg: "N", accept: []string{"*"}, why: "no bytecode runs"},
	{name: "statistics", arg: "none/bytecode/pcre", accept: []string{"none"}, why: "there are no bytecode or PCRE statistics to collect"},
	{name: "exclude-pua", arg: "CAT", why: "PUA categories are not selectable; --detect-pua loads every PUA signature"},
	{name: "include-pua", arg: "CAT", why: "PUA categories are not selectable; --detect-pua loads every PUA signature"},
	{name: "detect-structured", accept: []string{"no"}, why: "there is no SSN or credit card detection"},
	{name: "structured-ssn-format", arg: "X", why: "there is no SSN or credit card detection"},
	{name: "structured-ssn-count", arg: "N", why: "there is no SSN or credit card detection"},
	{name: "structured-cc-count", arg: "N", why: "there is no SSN or credit card detection"},
	{name: "structured-cc-mode", arg: "X", why: "there is no SSN or credit card detection"},
	{name: "phishing-sigs", accept: []string{"no"}, why: "there is no phishing detection"},
	{name: "phishing-scan-urls", accept: []string{"no"}, why: "there is no phishing detection"},
	{name: "heuristic-alerts", accept: []string{"yes"}, why: "the heuristic alerts asked for with --alert-* cannot be turned off as a group"},
	{name: "heuristic-scan-precedence", accept: []string{"no"}, why: "a heuristic match does not stop the scan"},
	{name: "normalize", accept: []string{"yes"}, why: "the normalised matching of HTML, scripts and text cannot be turned off"},
	{name: "scan-pe", accept: []string{"yes"}, why: "PE parsing (EP and section offsets, section hashes) cannot be turned off"},
	{name: "scan-elf", accept: []string{"yes"}, why: "ELF parsing (EP offsets) cannot be turned off"},
	{name: "scan-ole2", accept: []string{"yes"}, why: "a format's parser cannot be turned off"},
	{name: "scan-pdf", accept: []string{"yes"}, why: "a format's parser cannot be turned off"},
	{name: "scan-swf", accept: []string{"yes"}, why: "a format's parser cannot be turned off"},
	{name: "scan-html", accept: []string{"yes"}, why: "a format's parser cannot be turned off"},
	{name: "scan-xmldocs", accept: []string{"yes"}, why: "a format's parser cannot be turned off"},
	{name: "scan-hwp3", accept: []string{"yes"}, why: "a format's parser cannot be turned off"},
	{name: "scan-onenote", accept: []string{"yes"}, why: "a format's parser cannot be turned off"},
	{name: "scan-image", accept: []string{"yes"}, why: "a format's parser cannot be turned off"},
	{name: "scan-image-fuzzy-hash", accept: []string{"yes"}, why: "image fuzzy hashes are kept in the store but not evaluated"},
	{name: "alert-broken", accept: []string{"no"}, why: "there is no broken-executable heuristic"},
	{name: "alert-broken-media", accept: []string{"no"}, why: "there is no broken-media heuristic"},
	{name: "alert-encrypted-doc", accept: []string{"no"}, why: "encrypted documents are not detected (--alert-encrypted covers archives)"},
	{name: "alert-macros", accept: []string{"no"}, why: "there is no VBA macro heuristic"},
	{name: "alert-phishing-ssl", accept: []string{"no"}, why: "there is no phishing detection"},
	{name: "alert-phishing-cloak", accept: []string{"no"}, why: "there is no phishing detection"},
	{name: "alert-partition-intersection", accept: []string{"no"}, why: "disk images are not parsed"},
	{name: "nocerts", accept: []string{"yes"}, why: "authenticode certificate chains are not verified"},
	{name: "dumpcerts", accept: []string{"no"}, why: "authenticode certificate chains are not read"},
	{name: "max-scantime", arg: "#n", why: "a scan that takes too long is never assumed clean; stop sigtool instead (timeout(1))"},
	{name: "max-embeddedpe", arg: "#n", accept: []string{"*"}, why: "embedded PE files are not searched for"},
	{name: "max-htmlnormalize", arg: "#n", why: "the HTML normalisation limits are not settable"},
	{name: "max-htmlnotags", arg: "#n", why: "the HTML normalisation limits are not settable"},
	{name: "max-ziptypercg", arg: "#n", accept: []string{"*"}, why: "zip members are not retyped"},
	{name: "max-partitions", arg: "#n", accept: []string{"*"}, why: "disk images are not parsed"},
	{name: "max-iconspe", arg: "#n", accept: []string{"*"}, why: "PE icons are not read"},
	{name: "max-rechwp3", arg: "#n", accept: []string{"*"}, why: "HWP3 files are not parsed"},
	{name: "pcre-match-limit", arg: "#n", accept: []string{"*"}, why: "PCRE subsignatures are kept but not evaluated"},
	{name: "pcre-recmatch-limit", arg: "#n", accept: []string{"*"}, why: "PCRE subsignatures are kept but not evaluated"},
	{name: "pcre-max-filesize", arg: "#n", accept: []string{"*"}, why: "PCRE subsignatures are kept but not evaluated"},
	{name: "disable-cache", accept: []string{"yes"}, why: "there is no scan cache"},
}

// addClamscanOnly registers clamscanOnly as hidden flags.
func addClamscanOnly(f *pflag.FlagSet) {
	for _, o := range clamscanOnly {
		f.StringP(o.name, o.short, "", "clamscan's --"+o.name)
		fl := f.Lookup(o.name)
		fl.Hidden = true
		if o.arg == "" {
			fl.NoOptDefVal = "yes"
		}
	}
}

// checkClamscanOnly refuses a clamscan option whose meaning sigtool scan
// does not give.
func checkClamscanOnly(f *pflag.FlagSet) error {
	for _, o := range clamscanOnly {
		fl := f.Lookup(o.name)
		if !fl.Changed {
			continue
		}
		v := strings.ToLower(fl.Value.String())
		if o.arg == "" {
			var b yesNo
			if err := b.Set(v); err != nil {
				return fmt.Errorf("--%s: %w", o.name, err)
			}
			v = b.String()
		}
		if slices.Contains(o.accept, "*") || slices.Contains(o.accept, v) {
			continue
		}
		opt := "--" + o.name
		if fl.Value.String() != "" && !(o.arg == "" && v == "yes") {
			opt += "=" + fl.Value.String()
		}
		return fmt.Errorf("clamscan's %s is not supported by sigtool scan yet: %s", opt, o.why)
	}
	return nil
}
