package mailscan

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// edgeCases are the golden inputs in which a MIME quirk surrounds or names
// an infected attachment. For each, cure lists replacements of the wire
// bytes that turn the encoded "MARKER" into "CLEAN!" (same length, same
// encoding), giving the same message without the virus. Every old string
// must occur in the input.
var edgeCases = []struct {
	name string
	cure [][2]string
}{
	{"base64-junk", [][2]string{{"TUFSS0VS", "Q0xFQU4h"}}},
	{"qp-attachment-crlf", [][2]string{{"=4DAR=\r\nKER-A", "=43LE=\r\nAN!-A"}}},
	{"cte-7bit-8bit-binary", [][2]string{{"MARKER-A", "CLEAN!-A"}}},
	{"rfc2047-iso2022jp", [][2]string{{"TUFSS0VS", "Q0xFQU4h"}}},
	{"rfc2231-shiftjis-crlf", [][2]string{{"TUFSS0VS", "Q0xFQU4h"}}},
	{"boundary-comment", [][2]string{{"TUFSS0VS", "Q0xFQU4h"}}},
	{"boundary-escaped", [][2]string{{"TUFSS0VS", "Q0xFQU4h"}}},
	{"boundary-rfc2231", [][2]string{{"TUFSS0VS", "Q0xFQU4h"}}},
	{"boundary-leading-space", [][2]string{{"TUFSS0VS", "Q0xFQU4h"}}},
	{"boundary-leading-space-no-text", [][2]string{{"TUFSS0VS", "Q0xFQU4h"}}},
	{"two-content-types-text-first", [][2]string{{"TUFSS0VS", "Q0xFQU4h"}}},
	{"two-content-types-multipart-first", [][2]string{{"TUFSS0VS", "Q0xFQU4h"}}},
	{"missing-close-boundary", [][2]string{{"TUFSS0VS", "Q0xFQU4h"}}},
	{"odd-case-encoding", [][2]string{{"TUFSS0VS", "Q0xFQU4h"}}},
	{"deep-rfc822-crlf", [][2]string{{"TUFSS0VS", "Q0xFQU4h"}}},
	// The attachment inside the TNEF is gzip-compressed, so the marker is
	// not in the winmail.dat bytes: only reading the TNEF finds it. The
	// clean stream differs in the gzip data, its CRC and the checksum.
	{"tnef-winmail-crlf", [][2]string{
		{"Vk9JQ34xLkdaAEYDAg+ABgBBAAAAH4sIAAAAAAACAwvJyCxWSMvMSVVITiwqykwtVvB1DPJ2DdJ1",
			"Vk9JQ34xLkdaAEYDAg+ABgBBAAAAH4sIAAAAAAACAwvJyCxWSMvMSVVITiwqykwtVnD2cXX0U9R1"},
		{"VEjMS1HIyy/JyMxLV0jNKU7V4wIAQssKdi0AAADJFwIFkAYAMAAAAAEAAAAfAAc3AQAAAB4AAABp",
			"VEjMS1HIyy/JyMxLV0jNKU7V4wIAk1oCqS0AAACDGAIFkAYAMAAAAAEAAAAfAAc3AQAAAB4AAABp"},
	}},
	{"uuencode-multipart-crlf", [][2]string{{"34%22T52", "0TQ%04XA"}}},
	// Edge cases covered by goldens that predate this table.
	{"attachment-7bit-lf", [][2]string{{"TUFSS0VS", "Q0xFQU4h"}}},
	{"qp-latin1-crlf", [][2]string{{"TUFSS0VS", "Q0xFQU4h"}}},
	{"single-part-attachment", [][2]string{{"TUFSS0VS", "Q0xFQU4h"}}},
	{"nested-multipart", [][2]string{{"QGVjaG8gTUFSS0VSLUE=", "QGVjaG8gQ0xFQU4hLUE="}}},
	{"rfc822-attachment", [][2]string{{"TUFSS0VS", "Q0xFQU4h"}}},
	{"uuencode-in-text", [][2]string{{"034%22T52", "00TQ%04XA"}}},
}

// TestEdgeCasesCleanDeliveredUnchanged checks, for every MIME edge case
// golden, that the same message without the marker is delivered as the
// very same bytes: the quirk alone never makes the gateway touch mail.
func TestEdgeCasesCleanDeliveredUnchanged(t *testing.T) {
	for _, tc := range edgeCases {
		t.Run(tc.name, func(t *testing.T) {
			infected := golden(t, tc.name)
			clean := bytes.Clone(infected)
			for _, r := range tc.cure {
				if !bytes.Contains(clean, []byte(r[0])) {
					t.Fatalf("%q not in the input", r[0])
				}
				clean = bytes.ReplaceAll(clean, []byte(r[0]), []byte(r[1]))
			}
			if len(clean) != len(infected) {
				t.Fatalf("cure changed the length: %d -> %d", len(infected), len(clean))
			}
			s, _ := newTestScanner(t, testPolicy())
			// The infected message must be acted on, or the cure proves
			// nothing.
			o, err := s.Process(context.Background(), infected, Envelope{})
			if err != nil || o.Action != Rewrite {
				t.Fatalf("infected input: %s %v, want rewrite", o.Action, err)
			}
			if !strings.Contains(strings.Join(o.Reasons, ","), reasonVirus) {
				t.Errorf("infected input: reasons %v, want %s", o.Reasons, reasonVirus)
			}
			orig := bytes.Clone(clean)
			o, err = s.Process(context.Background(), clean, Envelope{})
			if err != nil {
				t.Fatalf("clean input: %v", err)
			}
			if o.Action != Deliver || len(o.Findings) != 0 {
				t.Fatalf("clean input: %s %v %v, want deliver", o.Action, o.Findings, o.Reasons)
			}
			if !bytes.Equal(o.Message, orig) {
				t.Errorf("clean input not delivered byte for byte")
			}
		})
	}
}
