// Package feeds downloads, verifies and applies signature updates: the
// engine of the sigupdated daemon, which replaces ClamAV's freshclam.
//
// It holds the feeds' settings (Config, the feeds part of sigupdated's
// file, which package daemonconfig reads), the Updater that runs one
// cycle over every configured feed (RunOnce), the publisher side of our own
// signed feeds (Keygen, BuildNative), and Mirror, an http.Handler that
// republishes what the store holds so a fleet can update from one node.
//
// Three feed types:
//   - clamav: a ClamAV mirror. The remote version comes from the 512-byte
//     header of NAME.cvd (a Range request, as freshclam without DNS); then
//     NAME-N.cdiff for each missing N is verified (its .sign when the mirror
//     has one and certs_dir is set, else its PSS signature), applied in
//     memory and checked against the patched NAME.info (DSIG, version,
//     every member's size and SHA-256). If a cdiff is missing, empty or
//     fails, the whole NAME.cvd is fetched (MD5, then .sign or the header
//     RSA signature, then the .info). Each database is one store feed named
//     like the database ("main", "daily"), replaced in one transaction.
//   - native: manifest.json + manifest.json.sig (Ed25519) + the files.
//   - files: plain files at URLs, each checked against URL.sha256.
//
// Every download goes to a temporary file in a per-cycle directory that is
// removed at the end of the cycle, and is verified before the store sees
// it; the store is written with one ReplaceFeed call per store feed, so a
// failure leaves it exactly as it was. Mirror cool-downs (403: 24 h, 429:
// Retry-After or 4 h), HTTP validators and the cdiffs kept for serving
// live in the store's state buckets, so they survive restarts.
//
// Rules where ClamAV's updater leaves a choice (see SCENARIOS.md):
//   - Partial progress is kept: if cdiffs 4 and 5 apply and 6 is missing
//     and so is the CVD, the store moves to 5 with a warning (freshclam's
//     "partial update"); the next cycle tries 6 and otherwise the CVD, even
//     when only one version behind (freshclam would wait).
//   - A CVD older than the header advertised but newer than ours is taken
//     with a warning; one older than ours is refused (reason "rollback").
//     A header older than ours is "up to date" with a warning.
//   - A .sign that is present but invalid is fatal; one that cannot be
//     parsed falls back to the built-in signature, as in ClamAV, unless
//     require_sign is set.
//   - A mid-chain transport failure (connect, timeout, 403/429, 5xx) moves
//     to the next mirror and keeps nothing of that mirror's chain.
//
// Where we are lenient, and why: a mirror that ignores Range and answers
// 200 with the whole file is read for 512 bytes and dropped (Python's
// http.server does this); a .sha256 file may be a bare digest or
// sha256sum's "DIGEST  NAME" line, upper or lower case; a container whose
// header carries no RSA signature ("X", as our own Mirror and ClamAV's
// CLDs have) is accepted on the strength of its signed .info, unless
// require_sign is set. Nothing from the network is trusted for sizes:
// downloads are capped by max_download_size and Content-Length is only
// compared, never used to allocate.
package feeds
