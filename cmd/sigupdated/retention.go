package main

import (
	"errors"
	"io/fs"
	"os"
	"time"

	"github.com/sigtool/sigtool/quarantine"
)

// purgeQuarantine applies [mail] quarantine_retention: it deletes what was
// last quarantined longer ago than that. The loop runs it after every
// update cycle, so at start and then on the check schedule (and on
// SIGUSR1). A quarantine that does not exist is not created for it.
func (d *daemon) purgeQuarantine() {
	keep := d.cfg.Mail.QuarantineRetention.Duration
	if keep == 0 {
		return
	}
	path := d.cfg.Mail.QuarantinePath(d.cfg.DB)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return
	}
	// Shared, so pipe filters and `sigtool quarantine` go on meanwhile;
	// Purge deletes in small transactions.
	q, err := quarantine.OpenShared(path)
	if err != nil {
		d.log.Error("quarantine retention: cannot open the quarantine", "quarantine", path, "err", err)
		return
	}
	defer q.Close()
	before := time.Now().Add(-keep)
	gone, err := q.Purge(before, false)
	var size int64
	for _, it := range gone {
		size += it.Size
	}
	if err != nil {
		d.log.Error("quarantine retention: purge failed", "quarantine", path, "purged", len(gone), "err", err)
		return
	}
	if len(gone) > 0 {
		d.log.Info("quarantine purged", "quarantine", path, "purged", len(gone), "bytes", size, "retention", keep.String(), "before", before.UTC().Format(time.RFC3339))
	}
}

// noteLegacyQuarantine tells the operator when the store shares the one
// quarantine.db per folder of older versions (quarantine.Find).
func (d *daemon) noteLegacyQuarantine() {
	if d.cfg.Mail.Quarantine != "" {
		return
	}
	if p, legacy := quarantine.Find(d.cfg.DB); legacy {
		d.log.Warn("using the quarantine older versions shared among the stores of a folder; stop the daemon and rename it to make it this store's own",
			"quarantine", p, "rename_to", quarantine.PathFor(d.cfg.DB))
	}
}
