package feeds

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Keygen makes an Ed25519 key pair for a native feed, both base64: pub goes
// into the subscribers' public_key, priv stays with the publisher.
func Keygen() (pub, priv string, err error) {
	pk, sk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", "", err
	}
	return base64.StdEncoding.EncodeToString(pk), base64.StdEncoding.EncodeToString(sk), nil
}

// NativeBuild describes one version of a native feed to publish.
type NativeBuild struct {
	Feed    string    // manifest feed name; default: the base name of the output dir
	Version int       // >= 1
	Created time.Time // default: now
	Files   []string  // signature files to publish, stored under their base names
}

// BuildNative publishes version of a native feed into dir: copies files
// there and writes manifest.json and manifest.json.sig, signed with priv.
func BuildNative(dir string, priv string, version int, files []string) error {
	return BuildNativeFeed(dir, priv, NativeBuild{Version: version, Files: files})
}

// BuildNativeFeed is BuildNative with every option.
func BuildNativeFeed(dir, priv string, b NativeBuild) error {
	key, err := decodePrivateKey(priv)
	if err != nil {
		return err
	}
	if b.Feed == "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return err
		}
		b.Feed = filepath.Base(abs)
	}
	if b.Created.IsZero() {
		b.Created = time.Now()
	}
	m := Manifest{Feed: b.Feed, Version: b.Version, Created: b.Created.UTC().Truncate(time.Second)}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, src := range b.Files {
		data, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		name := filepath.Base(src)
		sum := sha256.Sum256(data)
		m.Files = append(m.Files, ManifestFile{Name: name, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data))})
		if err := writeFileAtomic(filepath.Join(dir, name), data); err != nil {
			return err
		}
	}
	body, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	body = append(body, '\n')
	// Check what we publish with the subscriber's own parser.
	if _, err := ParseManifest(body); err != nil {
		return err
	}
	sig := base64.StdEncoding.EncodeToString(ed25519.Sign(key, body)) + "\n"
	// The signature goes first: a subscriber that sees the new manifest
	// with the old signature fails safely and retries next cycle.
	if err := writeFileAtomic(filepath.Join(dir, ManifestSigName), []byte(sig)); err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, ManifestName), body)
}

func decodePrivateKey(s string) (ed25519.PrivateKey, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("feeds: private key is not base64: %w", err)
	}
	switch len(b) {
	case ed25519.PrivateKeySize:
		return ed25519.PrivateKey(b), nil
	case ed25519.SeedSize:
		return ed25519.NewKeyFromSeed(b), nil
	}
	return nil, errors.New("feeds: private key is not an Ed25519 key (64 bytes, or a 32-byte seed)")
}

// verifyManifestSig checks manifest.json.sig (base64 of a 64-byte Ed25519
// signature, surrounding white space allowed) over the manifest bytes.
func verifyManifestSig(pub []byte, manifest, sig []byte) error {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(sig)))
	if err != nil || len(raw) != ed25519.SignatureSize {
		return fmt.Errorf("%w: %s is not a base64 Ed25519 signature", ErrSignature, ManifestSigName)
	}
	if !ed25519.Verify(ed25519.PublicKey(pub), manifest, raw) {
		return fmt.Errorf("%w: %s does not verify with the configured public_key", ErrSignature, ManifestSigName)
	}
	return nil
}

func writeFileAtomic(name string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), name)
}
