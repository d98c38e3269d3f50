package sigdb

import (
	bolt "go.etcd.io/bbolt"
	"golang.org/x/sys/unix"
)

// dropResident takes the pages of the store's mapping out of this
// process's resident set (MADV_DONTNEED on a shared, read-only file
// mapping: the page cache keeps them, a later access maps them again).
// Reading every chunk touches the whole file once; without this a
// compile from a 350 MB store held all of it resident beside the
// matcher being built, and an operator's top and a cgroup's limit count
// file-backed pages as well. A raw syscall: the mapping's address comes
// from bbolt as a uintptr.
func dropResident(tx *bolt.Tx) {
	if size := tx.Size(); size > 0 {
		_, _, _ = unix.Syscall(unix.SYS_MADVISE, tx.DB().Info().Data, uintptr(size), unix.MADV_DONTNEED)
	}
}
