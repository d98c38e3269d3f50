package daemonconfig

import (
	"time"

	"github.com/sigtool/sigtool/feeds"
	"github.com/sigtool/sigtool/mailscan"
	"github.com/sigtool/sigtool/quarantine"
)

// Mail is the [mail] table: the gateway policy the daemon applies to the
// mail requests it serves (MAILSCAN on the scan socket, POST /v1/mailscan).
type Mail struct {
	// Policy is a policy file (TOML or YAML, as `sigtool mailscan
	// --policy`); empty means the built-in policy.
	Policy string `toml:"policy"`
	// Quarantine is where removed originals go; empty means the store's
	// own beside it (quarantine.Find: sigtool.db -> sigtool.quarantine.db),
	// as for `sigtool mailscan`.
	Quarantine string `toml:"quarantine"`
	// QuarantineRetention is how long a removed original is kept after it
	// was last quarantined: the daemon purges older ones at start and
	// after every update check. Zero keeps everything.
	QuarantineRetention feeds.Duration `toml:"quarantine_retention"`
}

// MinRetention is the shortest quarantine_retention accepted: "30m" is
// thirty minutes, and the evidence would be gone before anyone looked.
const MinRetention = time.Hour

func (m *Mail) validate() error {
	if r := m.QuarantineRetention.Duration; r != 0 && r < MinRetention {
		return &Error{Key: "mail.quarantine_retention", Msg: r.String() + " is less than an hour (days are \"30d\")"}
	}
	if m.Policy != "" {
		if _, err := mailscan.LoadPolicy(m.Policy); err != nil {
			return &Error{Key: "mail.policy", Msg: err.Error()}
		}
	}
	return nil
}

// LoadPolicy returns the configured policy.
func (m *Mail) LoadPolicy() (mailscan.Policy, error) {
	if m.Policy == "" {
		return mailscan.DefaultPolicy(), nil
	}
	return mailscan.LoadPolicy(m.Policy)
}

// QuarantinePath is the quarantine for a store at db.
func (m *Mail) QuarantinePath(db string) string {
	if m.Quarantine != "" {
		return m.Quarantine
	}
	p, _ := quarantine.Find(db)
	return p
}
