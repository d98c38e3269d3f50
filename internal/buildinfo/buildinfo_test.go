package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestVersionOf(t *testing.T) {
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	const rev = "bb074d88d821f00dfeedbeef0123456789abcdef"
	for _, c := range []struct {
		name, linked, main string
		settings           []debug.BuildSetting
		want               string
	}{
		{"release", "1.2.0", "v0.0.0-20261207204030-bb074d88d821", vcs(rev, "false"), "1.2.0"},
		{"no build info", "", "", nil, base},
		{"go run, no VCS", "", "(devel)", nil, base},
		{"untagged commit", "", "v0.0.0-20261207204030-bb074d88d821", vcs(rev, "false"), base + "+bb074d88d821"},
		{"untagged, modified tree", "", "v0.0.0-20261207204030-bb074d88d821+dirty", vcs(rev, "true"), base + "+bb074d88d821.dirty"},
		{"after a tag", "", "v1.2.1-0.20261207204030-bb074d88d821", vcs(rev, "false"), base + "+bb074d88d821"},
		{"tagged commit", "", "v1.2.0", vcs(rev, "false"), "1.2.0+bb074d88d821"},
		{"tagged, modified tree", "", "v1.2.0+dirty", vcs(rev, "true"), "1.2.0+bb074d88d821.dirty"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var bi *debug.BuildInfo
			if c.main != "" || c.settings != nil {
				bi = &debug.BuildInfo{Main: debug.Module{Path: "github.com/sigtool/sigtool", Version: c.main}, Settings: c.settings}
			}
			if got := versionOf(c.linked, bi); got != c.want {
				t.Errorf("versionOf(%q, %q) = %q, want %q", c.linked, c.main, got, c.want)
			}
		})
	}
}
