package feeds

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// Manifest is a native feed's manifest.json: what the publisher signed.
type Manifest struct {
	Feed    string         `json:"feed"`
	Version int            `json:"version"`
	Created time.Time      `json:"created"`
	Files   []ManifestFile `json:"files"`
}

// ManifestFile is one signature file of a native feed.
type ManifestFile struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Manifest file names on a native mirror.
const (
	ManifestName    = "manifest.json"
	ManifestSigName = "manifest.json.sig"
	maxManifestSize = 1 << 20
	maxManifestRefs = 10000
)

// ParseManifest decodes and checks a manifest. It is strict: the manifest is
// signed, so anything odd in it is the publisher's bug, not noise to skip.
// Unknown fields are allowed so later publishers can add some.
func ParseManifest(b []byte) (*Manifest, error) {
	if len(b) > maxManifestSize {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrBadManifest, len(b), maxManifestSize)
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadManifest, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the JSON object", ErrBadManifest)
	}
	if !feedNameRE.MatchString(m.Feed) {
		return nil, fmt.Errorf("%w: feed name %q", ErrBadManifest, m.Feed)
	}
	if m.Version < 1 {
		return nil, fmt.Errorf("%w: version %d, want >= 1", ErrBadManifest, m.Version)
	}
	if len(m.Files) == 0 || len(m.Files) > maxManifestRefs {
		return nil, fmt.Errorf("%w: %d files, want 1..%d", ErrBadManifest, len(m.Files), maxManifestRefs)
	}
	seen := map[string]bool{}
	for i, f := range m.Files {
		if !dbFileNameRE.MatchString(f.Name) || f.Name == ManifestName || f.Name == ManifestSigName || seen[f.Name] {
			return nil, fmt.Errorf("%w: files[%d]: name %q is not a plain file name or repeats", ErrBadManifest, i, f.Name)
		}
		seen[f.Name] = true
		if d, err := hex.DecodeString(f.SHA256); err != nil || len(d) != 32 {
			return nil, fmt.Errorf("%w: files[%d] (%s): sha256 %q is not 64 hex digits", ErrBadManifest, i, f.Name, f.SHA256)
		}
		if f.Size < 0 {
			return nil, fmt.Errorf("%w: files[%d] (%s): negative size", ErrBadManifest, i, f.Name)
		}
	}
	return &m, nil
}
