package feeds

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/sigtool/sigtool/cvd"
	"github.com/sigtool/sigtool/sigdb"
)

// Mirror serves what the store holds in the layout the updater reads, so a
// fleet of gateways can update from one node (serve_mirror):
//
//	/<db>.cvd                 clamav feeds: rebuilt from the stored members
//	/<db>-<n>.cdiff[.sign]    cdiffs (and .sign files) this node received
//	/<feed>/manifest.json[.sig], /<feed>/<file>    native feeds
//	/<feed>/<file>, /<feed>/<file>.sha256          files feeds
//
// The rebuilt CVD has a real MD5 but no RSA header signature (that needs
// ClamAV's key); its members, .info and .info DSIG are byte for byte what
// ClamAV signed, and our updater accepts it on the .info DSIG, as ClamAV
// accepts a CLD. No <db>-<n>.cvd.sign is served: it would sign the
// upstream file's bytes, not the rebuilt ones. Range and If-Modified-Since
// are honoured.
type Mirror struct {
	cfg   *Config
	store StoreReader
	log   *slog.Logger

	mu    sync.Mutex
	cache map[string]builtCVD // db -> last built container
}

type builtCVD struct {
	digest string // the feed digest it was built from
	data   []byte
	mod    time.Time
}

// NewMirror returns the serve_mirror handler for cfg's feeds.
func NewMirror(cfg *Config, st StoreReader, log *slog.Logger) *Mirror {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Mirror{cfg: cfg, store: st, log: log, cache: map[string]builtCVD{}}
}

var received = regexp.MustCompile(`^([A-Za-z0-9_-]+)-[0-9]+\.(cdiff|cdiff\.sign)$`)

func (m *Mirror) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := strings.TrimPrefix(r.URL.Path, "/")
	data, mod, err := m.lookup(r.Context(), p)
	switch {
	case errors.Is(err, errNoSuchFile):
		http.NotFound(w, r)
		return
	case err != nil:
		m.log.Error("serve_mirror", "path", p, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	sum := sha256.Sum256(data)
	w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:16])+`"`)
	http.ServeContent(w, r, p, mod, bytes.NewReader(data))
}

var errNoSuchFile = errors.New("no such file")

func (m *Mirror) lookup(ctx context.Context, p string) ([]byte, time.Time, error) {
	if feed, file, ok := strings.Cut(p, "/"); ok {
		return m.feedFile(ctx, feed, file)
	}
	if db, ok := strings.CutSuffix(p, ".cvd"); ok && m.isClamAV(db) {
		return m.cvd(ctx, db)
	}
	if sm := received.FindStringSubmatch(p); sm != nil && m.isClamAV(sm[1]) {
		b, err := m.store.GetState(stateMirror, p)
		if err != nil {
			return nil, time.Time{}, err
		}
		if b == nil {
			return nil, time.Time{}, errNoSuchFile
		}
		return b, time.Time{}, nil
	}
	return nil, time.Time{}, errNoSuchFile
}

func (m *Mirror) isClamAV(db string) bool {
	for _, f := range m.cfg.Feeds {
		if f.Type == TypeClamAV {
			for _, d := range f.Databases {
				if d == db {
					return true
				}
			}
		}
	}
	return false
}

func (m *Mirror) feedConfig(name string) *FeedConfig {
	for i, f := range m.cfg.Feeds {
		if f.Name == name && f.Type != TypeClamAV {
			return &m.cfg.Feeds[i]
		}
	}
	return nil
}

// feedFile serves native and files feeds from the store.
func (m *Mirror) feedFile(ctx context.Context, feed, file string) ([]byte, time.Time, error) {
	fc := m.feedConfig(feed)
	if fc == nil || strings.Contains(file, "/") {
		return nil, time.Time{}, errNoSuchFile
	}
	if fc.Type == TypeNative && (file == ManifestName || file == ManifestSigName) {
		b, err := m.store.GetState(stateMirror, nativeKey(feed, file))
		if err == nil && b == nil {
			err = errNoSuchFile
		}
		return b, time.Time{}, err
	}
	info, err := m.store.Feed(feed)
	if errors.Is(err, sigdb.ErrNoFeed) {
		return nil, time.Time{}, errNoSuchFile
	}
	if err != nil {
		return nil, time.Time{}, err
	}
	want, sha := file, false
	if fc.Type == TypeFiles {
		want, sha = strings.CutSuffix(file, ".sha256")
	}
	files, err := m.store.FeedFiles(ctx, feed)
	if err != nil {
		return nil, time.Time{}, err
	}
	for _, f := range files {
		if f.Name != want {
			continue
		}
		if sha {
			s := sha256.Sum256(f.Data)
			return []byte(hex.EncodeToString(s[:]) + "  " + f.Name + "\n"), info.Imported, nil
		}
		return f.Data, info.Imported, nil
	}
	return nil, time.Time{}, errNoSuchFile
}

// cvd rebuilds <db>.cvd from the store, once per stored version.
func (m *Mirror) cvd(ctx context.Context, db string) ([]byte, time.Time, error) {
	info, err := m.store.Feed(db)
	if errors.Is(err, sigdb.ErrNoFeed) {
		return nil, time.Time{}, errNoSuchFile
	}
	if err != nil {
		return nil, time.Time{}, err
	}
	m.mu.Lock()
	c, ok := m.cache[db]
	m.mu.Unlock()
	if ok && c.digest == info.Digest {
		return c.data, c.mod, nil
	}
	files, err := m.store.FeedFiles(ctx, db)
	if err != nil {
		return nil, time.Time{}, err
	}
	data, err := BuildContainer(db, files)
	if err != nil {
		return nil, time.Time{}, err
	}
	c = builtCVD{digest: info.Digest, data: data, mod: info.Imported}
	m.mu.Lock()
	m.cache[db] = c
	m.mu.Unlock()
	return c.data, c.mod, nil
}

// BuildContainer writes a gzip'd container of a stored ClamAV database: the
// header is the first line of its .info (as in a CLD) with the body's MD5,
// members in CLD order (COPYING, .info, .cfg, the rest).
func BuildContainer(db string, files []sigdb.File) ([]byte, error) {
	byName := map[string][]byte{}
	var order []string
	for _, f := range files {
		byName[f.Name] = f.Data
	}
	infoData, ok := byName[db+".info"]
	if !ok {
		return nil, fmt.Errorf("%w: %s has no %s.info", ErrInfo, db, db)
	}
	info, err := cvd.ParseInfo(infoData)
	if err != nil {
		return nil, fmt.Errorf("%w: %s.info: %w", ErrInfo, db, err)
	}
	var members []cvd.Member
	for _, f := range orderedFiles(byName, order, db) {
		members = append(members, cvd.Member{Name: f.Name, Data: f.Data})
	}
	h := info.Header
	var buf bytes.Buffer
	if err := cvd.Write(&buf, h, members, true); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
