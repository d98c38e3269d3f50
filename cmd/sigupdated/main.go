// Command sigupdated keeps the signature store up to date from feeds and
// serves scans with a hot-swapped matcher.
//
//	sigupdated --config FILE [--db DB] [--listen ADDR] [--once] [--version]
//
// Signals: SIGHUP reloads the configuration (an invalid one is logged and
// the old one kept), SIGUSR1 runs an update check now, SIGTERM and SIGINT
// stop cleanly. The work is in run.go (flags, --once) and daemon.go.
package main

import (
	"context"
	"os"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}
