package feeds

import (
	"context"

	"github.com/sigtool/sigtool/sigdb"
)

// Store is what the updater needs of the signature store; *sigdb.DB
// implements it. Tests also run against an in-memory fake.
type Store interface {
	StoreReader
	ReplaceFeed(ctx context.Context, meta sigdb.FeedMeta, files []sigdb.File, opt sigdb.ImportOptions) (*sigdb.ImportReport, error)
	PutState(bucket, key string, val []byte) error
}

// StoreReader is the read half of Store: all the Mirror needs, so a
// daemon can serve it without holding the store open.
type StoreReader interface {
	Feed(name string) (*sigdb.FeedInfo, error)
	FeedFiles(ctx context.Context, name string) ([]sigdb.File, error)
	GetState(bucket, key string) ([]byte, error)
}

var _ Store = (*sigdb.DB)(nil)

// State buckets this package owns in the store.
const (
	stateCooldown = "feeds.cooldown" // mirror base URL -> cooldownRecord (JSON)
	stateHTTP     = "feeds.http"     // URL -> validators of the last good answer (JSON)
	stateMirror   = "feeds.mirror"   // served files: "<db>-<n>.cdiff", ".sign", native manifests
)
