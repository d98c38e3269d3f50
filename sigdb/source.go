package sigdb

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/sigtool/sigtool/cdiff"
	"github.com/sigtool/sigtool/cvd"
	"github.com/sigtool/sigtool/sigfile"
)

// containerExts are ClamAV's database containers: a 512-byte header and a
// (gzipped) tar of member files.
var containerExts = map[string]bool{".cvd": true, ".cld": true, ".cud": true}

// versionSuffix strips "-6" from "test-6": mirrors name versioned copies so.
var versionSuffix = regexp.MustCompile(`-[0-9]+$`)

// LoadSources reads the files to import and groups them into feeds. A
// container becomes its own feed named after its database (test-6.cvd ->
// "test"); a plain signature file becomes a feed named after the file
// (local.ndb -> "local.ndb"). feed, when not empty, puts everything into that
// one feed. Directories contribute the signature files and containers in
// them. When one feed gets two containers, the higher version is kept and a
// note says so. notes are human-readable remarks for the operator.
func LoadSources(paths []string, feed string) (feeds []FeedImport, notes []string, err error) {
	type group struct {
		meta      *FeedMeta
		container string // path of the chosen container
		files     []File
		plain     []File
	}
	groups := map[string]*group{}
	var order []string
	get := func(name string) *group {
		g := groups[name]
		if g == nil {
			g = &group{}
			groups[name] = g
			order = append(order, name)
		}
		return g
	}
	expanded, err := expandPaths(paths)
	if err != nil {
		return nil, nil, err
	}
	for _, p := range expanded {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, nil, fmt.Errorf("sigdb: %w", err)
		}
		base := filepath.Base(p)
		ext := strings.ToLower(filepath.Ext(base))
		if containerExts[ext] || bytes.HasPrefix(data, []byte(cvd.Magic+":")) {
			meta, members, err := loadContainer(p, data)
			if err != nil {
				return nil, nil, err
			}
			name := feed
			if name == "" {
				name = meta.Name
			}
			meta.Name = name
			g := get(name)
			if g.meta != nil {
				if g.meta.Version >= meta.Version {
					notes = append(notes, fmt.Sprintf("%s: feed %s keeps version %d from %s, not %d", p, name, g.meta.Version, g.container, meta.Version))
					continue
				}
				notes = append(notes, fmt.Sprintf("%s: feed %s takes version %d over %d from %s", p, name, meta.Version, g.meta.Version, g.container))
			}
			g.meta, g.container, g.files = meta, p, members
			continue
		}
		if ext == ".cdiff" || bytes.HasPrefix(data, []byte(cdiff.Magic+":")) {
			return nil, nil, cdiffError(p, data)
		}
		if _, _, ok := sigfile.KindOf(base); !ok {
			return nil, nil, fmt.Errorf("%s: %w (known: .hdb .hsb .mdb .msb .ndb .ldb .fp .sfp .ign .ign2, their PUA forms .hdu .hsu .mdu .msu .ndu .ldu, and .cvd .cld .cud containers)", p, ErrUnknownFile)
		}
		name := feed
		if name == "" {
			name = base
		}
		abs, _ := filepath.Abs(p)
		g := get(name)
		g.plain = append(g.plain, File{Name: base, Data: data})
		if g.meta == nil {
			g.meta = &FeedMeta{Name: name, Format: "files", Source: abs}
		}
	}
	for _, name := range order {
		g := groups[name]
		files := append(append([]File(nil), g.files...), g.plain...)
		feeds = append(feeds, FeedImport{Meta: *g.meta, Files: files})
	}
	return feeds, notes, nil
}

// expandPaths replaces directories by the files in them that an import can
// take, sorted by name.
func expandPaths(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("sigdb: %w", err)
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			return nil, fmt.Errorf("sigdb: %w", err)
		}
		var names []string
		for _, e := range entries {
			n := e.Name()
			if _, _, ok := sigfile.KindOf(n); (ok || containerExts[strings.ToLower(filepath.Ext(n))]) && e.Type().IsRegular() {
				names = append(names, filepath.Join(p, n))
			}
		}
		sort.Strings(names)
		out = append(out, names...)
	}
	return out, nil
}

// loadContainer opens a CVD/CLD/CUD: the header MD5 is checked against the
// body here; its digital signature is the updater's business.
func loadContainer(path string, data []byte) (*FeedMeta, []File, error) {
	c, err := cvd.Read(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	h := c.Header
	base := filepath.Base(path)
	name := versionSuffix.ReplaceAllString(strings.TrimSuffix(base, filepath.Ext(base)), "")
	files := make([]File, 0, len(c.Members))
	for _, m := range c.Members {
		files = append(files, File{Name: m.Name, Data: m.Data})
		if strings.HasSuffix(m.Name, ".info") {
			name = strings.TrimSuffix(m.Name, ".info")
		}
	}
	abs, _ := filepath.Abs(path)
	return &FeedMeta{
		Name: name, Version: h.Version, BuildTime: h.Time.UTC(), Source: abs,
		Format: strings.TrimPrefix(strings.ToLower(filepath.Ext(base)), "."), HeaderSigs: h.Sigs,
		FLevel: h.FLevel, Builder: h.Builder,
	}, files, nil
}

// cdiffError says what a cdiff given to import is: an edit of a database
// from one version to the next, which only the updater applies (it
// fetches and verifies the chain), so the way offline is the whole CVD.
func cdiffError(p string, data []byte) error {
	name := strings.TrimSuffix(filepath.Base(p), filepath.Ext(p))
	db, _, _ := strings.Cut(name, "-")
	d, err := cdiff.Parse(data)
	if err != nil {
		return fmt.Errorf("%s: %w: a damaged cdiff (%w)", p, ErrUnknownFile, err)
	}
	return fmt.Errorf("%s: %w: a cdiff, the edit of %s %d into %d; sigupdated applies cdiffs as it fetches them, "+
		"here import the whole %s-%d.cvd (or %s.cld) instead", p, ErrUnknownFile, db, d.Version-1, d.Version, db, d.Version, db)
}
