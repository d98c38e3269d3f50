package main

import (
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/sigtool/sigtool/feeds"
)

// manageCooldowns lists or clears the stored mirror cool-downs.
func manageCooldowns(f *flags, cfg *feeds.Config, st *store, stdout io.Writer, log *slog.Logger) error {
	db, err := st.openWrite()
	if err != nil {
		log.Error("cannot open the store", "db", st.path, "err", err)
		return exitStatus(exitError)
	}
	defer db.Close()
	if f.clearCooldown != "" {
		mirror := f.clearCooldown
		if mirror == "all" {
			mirror = ""
		}
		cleared, err := feeds.ClearCooldowns(db, cfg, mirror)
		if err != nil {
			log.Error("cannot clear cool-downs", "err", err)
			return exitStatus(exitError)
		}
		for _, m := range cleared {
			fmt.Fprintf(stdout, "%s: cool-down cleared\n", m)
		}
		if len(cleared) == 0 {
			fmt.Fprintln(stdout, "no cool-down to clear")
		}
		return nil
	}
	cds, err := feeds.Cooldowns(db, cfg, time.Now())
	if err != nil {
		log.Error("cannot read cool-downs", "err", err)
		return exitStatus(exitError)
	}
	for _, c := range cds {
		fmt.Fprintf(stdout, "%s: HTTP %d, on cool-down until %s\n", c.Mirror, c.Status, c.Until.Format(time.RFC3339))
	}
	if len(cds) == 0 {
		fmt.Fprintln(stdout, "no mirror is on cool-down")
	}
	return nil
}
