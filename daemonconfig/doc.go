// Package daemonconfig is sigupdated's configuration file: one TOML file
// for everything the daemon does. The key names are a contract with
// operators (README, "Configuration"); an unknown key is an error naming
// it, so a typo is never silently ignored.
//
//	db, listen               the store; the HTTP listener (/metrics, /healthz, /v1/mailscan)
//	checks_per_day, proxy, … the feeds' keys and [[feed]] tables (feeds.Config, embedded)
//	[scan]                   the clamd-compatible scan service (Scan)
//	[mail]                   the gateway policy applied to mail requests (Mail)
//	[milter]                 the milter service for Postfix and Sendmail (Milter)
//
// A mail-server front end that needs its own settings gets its own table
// and type beside Scan and Mail and shares [mail] (the milter may name
// its own policy file).
//
// ImportClamAV writes a configuration from ClamAV's freshclam.conf and
// clamd.conf (read by package clamconf): each key names the directive it
// came from, and each directive without a counterpart is named with the
// reason.
//
// Files: config.go (Config, Load, Parse, DefaultPath), scan.go, mail.go,
// milter.go, size.go (byte sizes with K/M/G suffixes), clamav.go
// (ImportClamAV).
package daemonconfig
