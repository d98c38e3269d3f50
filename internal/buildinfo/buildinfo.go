// Package buildinfo is the one place both commands take their version from:
// the release number set by the linker, else the module version, plus the
// VCS revision the build was stamped with, so `sigtool --version`,
// `sigupdated --version`, the daemon's VERSION reply, its metrics and the
// Debian package (`make deb`) all name the same build.
package buildinfo

import (
	"regexp"
	"runtime/debug"
	"strings"
	"sync"
)

// version is set for releases: -ldflags "-X github.com/sigtool/sigtool/internal/buildinfo.version=1.2.0".
var version = ""

// base is the release a development build is on the way to.
const base = "0.1.0-dev"

var once = sync.OnceValue(func() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	return versionOf(version, bi)
})

// Version returns e.g. "0.1.0-dev+3f2a9c1d7e20" or "0.1.0-dev+3f2a9c1d7e20.dirty"
// for a build from a modified work tree, "1.2.0" for a release. It starts
// with a digit and has at most one "+", as a Debian version must.
func Version() string { return once() }

// pseudo is the tail of a Go pseudo-version (v0.0.0-20261207204030-bb074d88d821),
// which go build stamps on an untagged commit: it says no more than the
// revision we append, so such a build is named base+revision.
var pseudo = regexp.MustCompile(`-(0\.)?\d{14}-[0-9a-f]{12}$`)

func versionOf(linked string, bi *debug.BuildInfo) string {
	if linked != "" || bi == nil {
		if linked == "" {
			return base
		}
		return linked
	}
	v := base
	// Since Go 1.24 the main module's version comes from the VCS: a tag
	// (v1.2.0), or a pseudo-version, with "+dirty" for a modified tree.
	if mv, _, _ := strings.Cut(bi.Main.Version, "+"); mv != "" && mv != "(devel)" && !pseudo.MatchString(mv) {
		v = strings.TrimPrefix(mv, "v")
	}
	var rev string
	var dirty bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return v
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	v += "+" + rev
	if dirty {
		v += ".dirty"
	}
	return v
}
