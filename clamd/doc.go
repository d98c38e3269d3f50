// Package clamd serves ClamAV's clamd protocol, so the clients mail
// systems already have (clamdscan, amavis, rspamd, Exim's av_scanner,
// clamav-milter) scan with the daemon's hot-swapped matcher unchanged.
// The facts come from ClamAV's clamd(8) and its sources (clamd/session.c,
// server-th.c, scanner.c, thrmgr.c); replies are byte for byte clamd's
// wherever clamd's are fixed strings.
//
// Framing: "zCOMMAND\0" or "nCOMMAND\n", replies ending in the same byte;
// without a prefix one packet is one command, and only the commands clamd
// accepts that way (SCAN, QUIT, RELOAD, SELFCHECK, PING, CONTSCAN,
// VERSION, SHUTDOWN, MULTISCAN, FILDES, DETSTATS, DETSTATSCLEAR) work.
// IDSESSION ... END keeps the connection open and prefixes every reply
// with "N: ", N counting the session's commands from 1. A connection
// outside a session carries one command.
//
// Our one addition, MAILSCAN, applies the whole gateway policy to a mail
// message (mail.go documents the framing). A scan takes the serving
// snapshot once when its data is complete and uses it to the end, so a
// reload never fails or mixes a scan. As in clamd, a stream whose bytes
// the snapshot found clean before is answered OK from its clean cache
// (engine.Snapshot.ScanCached, [scan] cache_size and disable_cache);
// FILDES and the path commands always scan, since the client can change
// a file between the digest and the scan.
//
// Limits are clamd's: max_queue connections served at once (the accept
// loop waits past it, as clamd's does), max_threads scans at once (the
// daemon's max_scans, its slots shared with its other front ends through
// Options.Slots; MULTISCAN's extra workers take only free slots),
// command_read_timeout for the first command, read_timeout inside a
// stream, between session commands and for a client that does not read
// its reply ("COMMAND READ TIMED OUT"), stream_max_length per INSTREAM.
//
// Files: server.go (listeners, accept loop), conn.go (a connection's
// commands), commands.go (the command table and replies), stream.go
// (INSTREAM chunks), paths.go (SCAN and friends), fildes.go (descriptor
// passing), mail.go (MAILSCAN), stats.go (STATS), client.go (the client
// side, for sigtool mailscan, tests and benchmarks).
package clamd
