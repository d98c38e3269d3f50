package sigdb

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// sealRecord prefixes payload with its CRC-32C.
func sealRecord(payload []byte) []byte {
	out := make([]byte, 4+len(payload))
	binary.BigEndian.PutUint32(out, crc32.Checksum(payload, castagnoli))
	copy(out[4:], payload)
	return out
}

// openRecord checks a record's CRC and returns its payload (aliasing v, so
// valid only inside the transaction).
func openRecord(v []byte) ([]byte, error) {
	if len(v) < 4 {
		return nil, fmt.Errorf("record of %d bytes is shorter than its checksum: %w", len(v), ErrCorrupt)
	}
	want := binary.BigEndian.Uint32(v)
	payload := v[4:]
	if got := crc32.Checksum(payload, castagnoli); got != want {
		return nil, fmt.Errorf("record checksum %08x, want %08x: %w", got, want, ErrCorrupt)
	}
	return payload, nil
}

func chunkKey(file, chunk int) []byte {
	var k [8]byte
	binary.BigEndian.PutUint32(k[:4], uint32(file))
	binary.BigEndian.PutUint32(k[4:], uint32(chunk))
	return k[:]
}
