// Package milter serves the gateway policy to Postfix and Sendmail over
// the milter protocol (version 6), so the mail server hands each message
// over during the SMTP dialogue and takes back the changes, keeping the
// message in its own queue the whole time: nothing is proxied, so
// nothing can be lost, cut off or acknowledged before it is safe.
//
// The protocol is github.com/d--j/go-milter's mailfilter (its header
// edits and body replacement are tested by its authors against real
// Postfix and Sendmail); the policy is package mailscan's, the same
// Scanner `sigtool mailscan` and MAILSCAN use, taken from the serving
// snapshot for each message, so a matcher swapped in by an update is
// used from the next message on.
//
// Per message, at its end of data (decide.go):
//
//   - the message is put together from the fields and body chunks the MTA
//     sent (message.go), in wire form; over max_size or max_headers it is
//     refused whole (on_oversize), never scanned in part;
//   - recipients are the envelope's RCPT TO addresses (the policy's scope
//     rule: one in-scope recipient makes the whole message scanned); a
//     sender who authenticated (SASL) makes it outbound;
//   - deliver, rewrite and flag are accepted with the changes: the header
//     fields that differ between the message and the policy's result
//     (with the policy's X-Virus-Scanned and X-Virus-Status) as an edit
//     script over the fields, every other field untouched, and the body
//     replaced only when it changed;
//   - delete is discarded (or rejected with 550: on_delete), the original
//     already in the quarantine;
//   - everything else (an error, no signatures, scan_timeout) gets
//     on_error: tempfail by default, so the sending server keeps the
//     message and retries.
//
// While a scan runs, the library tells the MTA every second that the
// milter is still working, so the MTA's milter timeouts measure a dead
// milter, not a long scan; scan_timeout bounds the scan. A milter that is
// down or stops answering is the MTA's milter_default_action, which the
// README's setup sets to tempfail.
//
// Files: server.go (Server, its socket), decide.go (the verdict and the
// answers), message.go (the message from the MTA; the changes back).
package milter
