package scan

// Status is what a scanned file comes to, as clamscan and clamd report it.
type Status string

// The statuses.
const (
	Clean    Status = "clean"
	Infected Status = "infected"
	Failed   Status = "error"
)

// Status is Infected when a signature matched anywhere in the tree, else
// Failed when something could not be scanned completely (Problem), else
// Clean: never clean on a doubt.
func (r *Result) Status() Status {
	switch {
	case r.Infected():
		return Infected
	case r.Problem() != nil:
		return Failed
	}
	return Clean
}
