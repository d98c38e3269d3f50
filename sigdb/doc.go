// Package sigdb is the signature store: one bbolt file holding every
// imported feed's signature files, line for line, with the metadata an
// updater and a matcher need.
//
// # Why lines, not parsed records
//
// ClamAV's incremental updates (cdiff) edit numbered lines of named files,
// and operators expect `sigtool export` to give back exactly what they
// imported. So the store keeps each file's bytes in order, split into chunks
// at line boundaries, and parses every line at import (to refuse bad input and
// count signatures) and again at verify and at matcher compile time. Parsing
// is cheap next to disk I/O; a second parsed copy would double the store.
//
// # On-disk layout (schema 1)
//
//	meta/                      bucket
//	  magic   "sigtool-store"  not a sigtool store without it
//	  schema  uint32 BE        refused when newer than SchemaVersion
//	feeds/                     bucket, one sub-bucket per feed name
//	  <feed>/
//	    info    record(JSON FeedInfo)          metadata, per-file sizes and SHA-256, digest
//	    data/   bucket
//	      <file uint32 BE><chunk uint32 BE>  record(bytes)   at most ChunkSize, ends at a line end
//	state/                     bucket, one sub-bucket per user (e.g. the updater's cool-downs)
//	  <bucket>/<key>  record(bytes)
//
// Every value written by this package is a record: a CRC-32C (Castagnoli) of
// the payload, big-endian, then the payload. bbolt itself checksums only its
// meta pages, so these checksums, the per-file SHA-256 and the per-feed
// digest are what lets Verify catch flipped bytes anywhere.
//
// All changes to feeds happen in one bbolt transaction per call: an import of
// many files either lands whole or not at all.
package sigdb
