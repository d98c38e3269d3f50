package clamd

import (
	"bytes"
	"testing"
)

// TestStreamBuffers: a stream's bytes survive every growth, its buffer is
// the smallest class that holds them, a finished buffer goes back to the
// pool of its class, and a small stream never takes a large one.
func TestStreamBuffers(t *testing.T) {
	for _, tc := range []struct {
		name  string
		sizes []int // the chunks written
		class int   // the buffer's class at the end
	}{
		{"one small chunk", []int{100}, 0},
		{"exactly the smallest class", []int{minBuf}, 0},
		{"one byte over", []int{minBuf, 1}, 1},
		{"growing by chunks", []int{8 << 10, 64 << 10, 64 << 10, 100 << 10}, bufClass(236 << 10)},
		{"up to the memory limit", []int{1 << 20, 1 << 20, 1 << 20, 1 << 20}, bufClasses - 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &stream{pooled: true}
			var want []byte
			for i, n := range tc.sizes {
				p := bytes.Repeat([]byte{byte('a' + i)}, n)
				if err := st.write(p, t.TempDir()); err != nil {
					t.Fatal(err)
				}
				want = append(want, p...)
			}
			if st.file != nil || !bytes.Equal(st.mem, want) || st.size != int64(len(want)) {
				t.Fatalf("the stream holds %d bytes (file %v), want the %d written", len(st.mem), st.file != nil, len(want))
			}
			if c := cap(st.mem); c != minBuf<<tc.class {
				t.Errorf("buffer of %d bytes, want class %d (%d)", c, tc.class, minBuf<<tc.class)
			}
			st.close()
			// Every pool holds its own class only (a buffer outgrown on
			// the way is kept too), and the last buffer is in its class.
			found := false
			for k := range bufClasses {
				for {
					b, ok := streamBufs[k].Get().(*[]byte)
					if !ok {
						break
					}
					if cap(*b) != minBuf<<k {
						t.Errorf("class %d pool holds %d bytes", k, cap(*b))
					}
					found = found || k == tc.class
				}
			}
			if !found && !raceEnabled { // under -race a Put may drop the buffer
				t.Errorf("the finished buffer is not in the pool of class %d", tc.class)
			}
			// A large buffer back in the pool is not handed to a small stream.
			big := &stream{pooled: true, mem: make([]byte, 0, minBuf<<(bufClasses-1))}
			big.release()
			small := &stream{pooled: true}
			small.write([]byte("a mail-sized stream"), t.TempDir())
			if cap(small.mem) != minBuf {
				t.Errorf("a small stream took a buffer of %d bytes", cap(small.mem))
			}
		})
	}
}
