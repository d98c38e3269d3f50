// Package buildinfo is the one place both commands take their version from:
// the release number set by the linker, else the module version, plus the
// VCS revision the build was stamped with, so `sigtool --version`,
// `sigupdated --version`, the daemon's VERSION reply and its metrics all
// name the same build.
package buildinfo

import (
	"runtime/debug"
	"sync"
)

// version is set for releases: -ldflags "-X github.com/sigtool/sigtool/internal/buildinfo.version=1.2.0".
var version = ""

// base is the release a development build is on the way to.
const base = "0.1.0-dev"

var once = sync.OnceValue(compute)

// Version returns e.g. "0.1.0-dev+3f2a9c1d7e20" or "0.1.0-dev+3f2a9c1d7e20.dirty"
// for a build from a modified work tree, "1.2.0" for a release.
func Version() string { return once() }

func compute() string {
	v := version
	bi, ok := debug.ReadBuildInfo()
	if v == "" && ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	if v == "" {
		v = base
	}
	if version != "" || !ok {
		return v
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
