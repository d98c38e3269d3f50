package mailscan

import (
	"net/mail"
	"strings"

	"github.com/sigtool/sigtool/mailmime"
)

// recipientHeaders are read, in this order, when the MTA gave no
// recipients. Delivered-To and X-Original-To are written by the receiving
// MTA and name the real recipient; To and Cc are what the sender wrote.
var recipientHeaders = []string{"Delivered-To", "X-Original-To", "To", "Cc"}

// inScope reports whether any recipient is one the policy covers. The
// header is consulted only when env gives no recipients; an unparsable
// address list falls back to every word with an @ in it, so a broken To:
// line cannot take mail out of scope.
func (p *Policy) inScope(h mailmime.Header, env Envelope) bool {
	if len(p.Domains) == 0 && len(p.Addresses) == 0 {
		return true
	}
	rcpts := env.Recipients
	if len(rcpts) == 0 {
		for _, name := range recipientHeaders {
			for _, v := range h.Values(name) {
				rcpts = append(rcpts, addresses(v)...)
			}
		}
	}
	for _, r := range rcpts {
		if p.covers(r) {
			return true
		}
	}
	return false
}

func (p *Policy) covers(addr string) bool {
	addr = strings.ToLower(strings.Trim(strings.TrimSpace(addr), "<>"))
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return false
	}
	for _, a := range p.Addresses {
		if strings.EqualFold(a, addr) {
			return true
		}
	}
	dom := strings.TrimSuffix(addr[at+1:], ".")
	for _, d := range p.Domains {
		d = strings.ToLower(strings.TrimSuffix(d, "."))
		// ".example.com" also covers its subdomains.
		if dom == strings.TrimPrefix(d, ".") || (strings.HasPrefix(d, ".") && strings.HasSuffix(dom, d)) {
			return true
		}
	}
	return false
}

func addresses(v string) []string {
	if list, err := mail.ParseAddressList(v); err == nil {
		out := make([]string, 0, len(list))
		for _, a := range list {
			out = append(out, a.Address)
		}
		return out
	}
	var out []string
	for _, w := range strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune(" \t,;<>()\"", r) }) {
		if strings.Contains(w, "@") {
			out = append(out, w)
		}
	}
	return out
}
