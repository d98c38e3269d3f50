package matcher

import "runtime"

// Hash signatures are most of a database by count (4M of 4.3M lines) and
// need nothing the body path has: once AddLine has checked one (and its
// ignore entries), storing it -- front-coding its name, appending its
// digest -- is done by a goroutine of its own, in batches, while the
// caller's goroutine goes on with the next lines. Their names go to an
// arena of their own, so the two goroutines share nothing: a name index
// with hashNameBit set is in Matcher.hnames.

// hashNameBit marks a name index of the hash-name arena.
const hashNameBit = 1 << 31

// hashBatch is how many hash entries go to the hash goroutine at once.
const hashBatch = 1 << 12

// hashEntry is one checked hash signature on its way to the hash side.
type hashEntry struct {
	d    [32]byte // digest, hashWidth[t] bytes of it
	size uint32
	t    uint8 // hashIndex
	dest uint8 // destHash, destSect, destAllow
	name string
}

const (
	destHash = iota
	destSect
	destAllow
)

// hashSide is what the hash goroutine owns until Build waits for it.
type hashSide struct {
	hash  [3]hashAcc // whole-file hashes, by hashIndex
	sect  [3]hashAcc // PE section hashes
	allow [3]hashAcc // allow list
	names names
}

// hashFeed is the Builder's end of the hash goroutine.
type hashFeed struct {
	side *hashSide
	pend []hashEntry
	work chan []hashEntry // closed by wait, or by a cleanup when the Builder is dropped unbuilt
	free chan []hashEntry // batches to reuse
	done chan struct{}
	stop runtime.Cleanup
}

func (f *hashFeed) add(e *hashEntry) {
	if f.pend == nil {
		select {
		case f.pend = <-f.free:
		default:
			f.pend = make([]hashEntry, 0, hashBatch)
		}
	}
	f.pend = append(f.pend, *e)
	if len(f.pend) == hashBatch {
		f.flush()
	}
}

// flush hands the pending entries to the hash goroutine, starting it.
func (f *hashFeed) flush() {
	if len(f.pend) == 0 {
		return
	}
	if f.work == nil {
		f.work = make(chan []hashEntry, 4)
		f.free = make(chan []hashEntry, 6)
		f.done = make(chan struct{})
		if f.side == nil {
			f.side = &hashSide{}
		}
		go f.side.run(f.work, f.free, f.done)
		// A Builder dropped without Build must not leave the goroutine
		// waiting forever.
		f.stop = runtime.AddCleanup(f, func(ch chan []hashEntry) { close(ch) }, f.work)
	}
	f.work <- f.pend
	f.pend = nil
}

func (s *hashSide) run(work <-chan []hashEntry, free chan<- []hashEntry, done chan<- struct{}) {
	defer close(done)
	for batch := range work {
		for i := range batch {
			e := &batch[i]
			n := s.names.add(e.name) | hashNameBit
			e.name = "" // do not keep the caller's text alive
			d := e.d[:hashWidth[e.t]]
			switch e.dest {
			case destAllow:
				s.allow[e.t].add(d, e.size, n)
			case destSect:
				s.sect[e.t].add(d, e.size, n)
			default:
				s.hash[e.t].add(d, e.size, n)
			}
		}
		select {
		case free <- batch[:0]:
		default:
		}
	}
}

// wait flushes what is pending and returns the hash side once the hash
// goroutine has stored everything.
func (f *hashFeed) wait() *hashSide {
	f.flush()
	if f.work != nil {
		f.stop.Stop()
		close(f.work)
		<-f.done
		f.work = nil
	}
	if f.side == nil {
		f.side = &hashSide{}
	}
	return f.side
}
