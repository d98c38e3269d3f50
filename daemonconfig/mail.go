package daemonconfig

import (
	"path/filepath"

	"github.com/sigtool/sigtool/mailscan"
	"github.com/sigtool/sigtool/quarantine"
)

// Mail is the [mail] table: the gateway policy the daemon applies to the
// mail requests it serves (MAILSCAN on the scan socket, POST /v1/mailscan).
type Mail struct {
	// Policy is a policy file (TOML or YAML, as `sigtool mailscan
	// --policy`); empty means the built-in policy.
	Policy string `toml:"policy"`
	// Quarantine is where removed originals go; empty means
	// quarantine.db beside the store, as for `sigtool mailscan`.
	Quarantine string `toml:"quarantine"`
}

func (m *Mail) validate() error {
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
	return filepath.Join(filepath.Dir(db), quarantine.DefaultFile)
}
