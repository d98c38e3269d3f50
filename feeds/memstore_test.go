package feeds

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync"
	"time"

	"github.com/sigtool/sigtool/sigdb"
)

// memStore is an in-memory Store: the contract the updater relies on,
// without bbolt, so the updater's logic is tested apart from the store's.
type memStore struct {
	mu    sync.Mutex
	feeds map[string]memFeed
	state map[string][]byte
	fail  error // returned by the next ReplaceFeed
}

type memFeed struct {
	info  sigdb.FeedInfo
	files []sigdb.File
}

func newMemStore() *memStore {
	return &memStore{feeds: map[string]memFeed{}, state: map[string][]byte{}}
}

func (s *memStore) ReplaceFeed(ctx context.Context, meta sigdb.FeedMeta, files []sigdb.File, opt sigdb.ImportOptions) (*sigdb.ImportReport, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		err := s.fail
		s.fail = nil
		return nil, err
	}
	if old, ok := s.feeds[meta.Name]; ok && meta.Version < old.info.Version && !opt.AllowDowngrade {
		return nil, fmt.Errorf("feed %q: %w", meta.Name, sigdb.ErrRollback)
	}
	h := sha256.New()
	cp := make([]sigdb.File, len(files))
	for i, f := range files {
		cp[i] = sigdb.File{Name: f.Name, Data: append([]byte(nil), f.Data...)}
		fmt.Fprintf(h, "%s:%d:%x\n", f.Name, len(f.Data), sha256.Sum256(f.Data))
	}
	s.feeds[meta.Name] = memFeed{info: sigdb.FeedInfo{FeedMeta: meta, Imported: time.Now(), Digest: fmt.Sprintf("%x", h.Sum(nil))}, files: cp}
	return &sigdb.ImportReport{Feeds: []sigdb.FeedReport{{Name: meta.Name, Version: meta.Version}}}, nil
}

func (s *memStore) Feed(name string) (*sigdb.FeedInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.feeds[name]
	if !ok {
		return nil, fmt.Errorf("feed %q: %w", name, sigdb.ErrNoFeed)
	}
	fi := f.info
	return &fi, nil
}

func (s *memStore) FeedFiles(ctx context.Context, name string) ([]sigdb.File, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.feeds[name]
	if !ok {
		return nil, fmt.Errorf("feed %q: %w", name, sigdb.ErrNoFeed)
	}
	return append([]sigdb.File(nil), f.files...), nil
}

func (s *memStore) GetState(bucket, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.state[bucket+"\x00"+key]
	if !ok {
		return nil, nil
	}
	return append([]byte(nil), v...), nil
}

func (s *memStore) PutState(bucket, key string, val []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if val == nil {
		delete(s.state, bucket+"\x00"+key)
		return nil
	}
	s.state[bucket+"\x00"+key] = append([]byte(nil), val...)
	return nil
}
