package engine

import "errors"

// Sentinel errors, wrapped with context: test with errors.Is.
var (
	// ErrStoreChanged: the store was written while Compile read it, more
	// times in a row than it retries, so no consistent snapshot was read.
	ErrStoreChanged = errors.New("engine: store changed while compiling")
	// ErrCompile: the matcher could not be built from the store's lines.
	ErrCompile = errors.New("engine: compile failed")
	// ErrStore: the store could not be read.
	ErrStore = errors.New("engine: cannot read store")
)
