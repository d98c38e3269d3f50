// Command sigupdated keeps the signature store up to date from feeds and
// serves scans with a hot-swapped matcher: clamd's protocol on a Unix
// socket and/or TCP ([scan]), mail requests under the gateway policy, and
// /metrics, /healthz and POST /v1/mailscan on the HTTP listener.
//
//	sigupdated [--config FILE] [--db DB] [--listen ADDR] [--once]
//	sigupdated config check [--config FILE]
//	sigupdated --cooldowns | --clear-cooldown URL|all
//
// Signals: SIGHUP reloads the configuration (an invalid one is logged and
// the old one kept), SIGUSR1 runs an update check now, SIGTERM and SIGINT
// stop cleanly. The command line is root.go; the daemon is daemon.go (its
// loop), store.go (the store, opened only while it is used), scanning.go
// (the scan service and mail requests), gcpolicy.go (the collector's pace
// while serving: GOGC 100 under a memory limit set after each swap) and
// http.go.
package main

import (
	"context"
	"os"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}
