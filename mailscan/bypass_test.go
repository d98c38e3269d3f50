package mailscan

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/sigtool/sigtool/scan"
	"github.com/sigtool/sigtool/sigfile"
	"github.com/sigtool/sigtool/unpack"
)

// bypassPayload is a harmless stand-in for malware: bytes of our own that
// only bypassSig matches. It is binary (NULs, high bytes) like an exe.
var bypassPayload = func() []byte {
	b := []byte("MZ\x90\x00sigtool-bypass-test-payload\x00")
	for i := 0; i < 200; i++ {
		b = append(b, byte(i*37+11))
	}
	return b
}()

// bypassSig is an ndb body signature over the payload's marker text.
var bypassSig = "Sigtool.Test.Bypass-1:0:*:" + fmt.Sprintf("%x", "sigtool-bypass-test-payload")

// bypassScanner is the policy on the real matcher with bypassSig loaded.
func bypassScanner(tb testing.TB) *Scanner {
	return realScanner(tb, map[sigfile.Kind][]string{sigfile.KindNDB: {bypassSig}})
}

func b64(b []byte) string {
	enc := base64.StdEncoding.EncodeToString(b)
	var out strings.Builder
	for len(enc) > 76 {
		out.WriteString(enc[:76] + "\n")
		enc = enc[76:]
	}
	return out.String() + enc
}

// senderText is what the sender wrote; where the payload sits apart from
// it, a rewrite must keep it.
const senderText = "Dear Bob, the figures you asked for."

// att is the payload as a base64 attachment part (header and body).
func att(name string) string {
	return "Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=\"" + name + "\"\n\n" + b64(bypassPayload) + "\n"
}

const top = "From: mallory@example.org\nTo: bob@example.edu\nSubject: figures\nMIME-Version: 1.0\n"

// decoyText is a text part under boundary X, which some readers take
// for the whole message.
const decoyText = "--X\nContent-Type: text/plain\n\n" + senderText + "\n--X--\n"

// bypassCases are messages of our own, one or more per class of MIME
// ambiguity, each hiding the payload from at least one reading.
var bypassCases = []struct {
	name     string
	msg      string
	keepText bool // the sender's text must survive the rewrite
}{
	{"header-name comment", top + "Content-Type(x): multipart/mixed; boundary=\"Y\"\n\n" + decoyText + "--Y\n" + att("a.exe") + "--Y--\n", true},
	{"header-name comment nested", top + "Content-Type: multipart/mixed; boundary=\"OUT\"\n\n--OUT\nContent-Type(y): multipart/mixed; boundary=\"Y\"\n\n" + decoyText + "--Y\n" + att("a.exe") + "--Y--\n--OUT--\n", true},
	{"blank before the colon", top + "Content-Type \t: multipart/mixed; boundary=\"Y\"\n\n" + decoyText + "--Y\n" + att("a.exe") + "--Y--\n", true},
	{"blank inside the name", top + "Content -Type: multipart/mixed; boundary=\"Y\"\n\n" + decoyText + "--Y\n" + att("a.exe") + "--Y--\n", true},
	{"folded header name", top + "Content-\n Type: multipart/mixed; boundary=\"Y\"\n\n" + decoyText + "--Y\n" + att("a.exe") + "--Y--\n", false},
	{"boundary twice", top + "Content-Type: multipart/mixed; boundary=X; boundary=Y\n\n" + decoyText + "--Y\n" + att("a.exe") + "--Y--\n", true},
	{"boundary quoted then junk", top + "Content-Type: multipart/mixed; boundary=\"X\"Y\n\n" + decoyText + "--XY\n" + att("a.exe") + "--XY--\n", true},
	{"boundary with semicolon", top + "Content-Type: multipart/mixed; boundary=\"X;\"\n\n" + decoyText + "--X;\n" + att("a.exe") + "--X;--\n", true},
	{"boundary in rfc2231 form", top + "Content-Type: multipart/mixed; boundary=X; boundary*=utf-8''Y\n\n" + decoyText + "--Y\n" + att("a.exe") + "--Y--\n", true},
	{"boundary in rfc2231 segments", top + "Content-Type: multipart/mixed; boundary*0=\"Y\"; boundary*1=\"Z\"; boundary=X\n\n" + decoyText + "--YZ\n" + att("a.exe") + "--YZ--\n", true},
	{"boundary in content-disposition", top + "Content-Disposition: inline; boundary=\"Y\"\nContent-Type: multipart/mixed; boundary=\"X\"\n\n" + decoyText + "--Y\n" + att("a.exe") + "--Y--\n", true},
	{"two content-types", top + "Content-Type: multipart/mixed; boundary=X\nContent-Type: multipart/mixed; boundary=Y\n\n" + decoyText + "--Y\n" + att("a.exe") + "--Y--\n", true},
	{"text type then multipart", top + "Content-Type: text/plain\nContent-Type: multipart/mixed; boundary=Y\n\n" + senderText + "\n--Y\n" + att("a.exe") + "--Y--\n", true},
	{"two transfer encodings", top + "Content-Type: multipart/mixed; boundary=Y\n\n--Y\nContent-Type: text/plain\n\n" + senderText + "\n--Y\nContent-Type: application/octet-stream; name=a.exe\nContent-Transfer-Encoding: 7bit\nContent-Transfer-Encoding: base64\n\n" + b64(bypassPayload) + "\n--Y--\n", true},
	{"base64 body declared 7bit", top + "Content-Type: multipart/mixed; boundary=Y\n\n--Y\nContent-Type: text/plain\n\n" + senderText + "\n--Y\nContent-Type: application/x-msdownload; name=a.exe\nContent-Transfer-Encoding: 7bit\n\n" + b64(bypassPayload) + "\n--Y--\n", true},
	{"two dispositions", top + "Content-Type: multipart/mixed; boundary=Y\n\n--Y\nContent-Type: text/plain\n\n" + senderText + "\n--Y\nContent-Type: text/plain\nContent-Disposition: inline\nContent-Disposition: attachment; filename=a.exe\nContent-Transfer-Encoding: base64\n\n" + b64(bypassPayload) + "\n--Y--\n", true},
	{"missing final boundary", top + "Content-Type: multipart/mixed; boundary=Y\n\n--Y\nContent-Type: text/plain\n\n" + senderText + "\n--Y\n" + att("a.exe"), true},
	{"early final boundary", top + "Content-Type: multipart/mixed; boundary=Y\n\n--Y\nContent-Type: text/plain\n\n" + senderText + "\n--Y--\n--Y\n" + att("a.exe") + "--Y--\n", true},
	{"message/rfc822 nested", top + "Content-Type: multipart/mixed; boundary=Y\n\n--Y\nContent-Type: text/plain\n\n" + senderText + "\n--Y\nContent-Type: message/rfc822\n\nSubject: inner\nContent-Type: multipart/mixed; boundary=I\n\n--I\n" + att("a.exe") + "--I--\n--Y--\n", true},
	{"message/global nested", top + "Content-Type: multipart/mixed; boundary=Y\n\n--Y\nContent-Type: text/plain\n\n" + senderText + "\n--Y\nContent-Type: message/global\n\nSubject: inner\nContent-Type: message/rfc822\n\nSubject: deeper\nMIME-Version: 1.0\n" + att("a.exe") + "--Y--\n", true},
	{"message/rfc822 in base64", top + "Content-Type: multipart/mixed; boundary=Y\n\n--Y\nContent-Type: text/plain\n\n" + senderText + "\n--Y\nContent-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n" + b64([]byte("Subject: inner\nMIME-Version: 1.0\n"+att("a.exe"))) + "\n--Y--\n", true},
	{"tnef in mail", top + "Content-Type: multipart/mixed; boundary=Y\n\n--Y\nContent-Type: text/plain\n\n" + senderText + "\n--Y\nContent-Type: application/ms-tnef; name=winmail.dat\nContent-Transfer-Encoding: base64\n\n" + b64(tnefWith("a.exe", bypassPayload)) + "\n--Y--\n", true},
	{"uuencode in a text body", top + "Content-Type: text/plain\n\n" + senderText + "\n\nbegin 644 a.exe\n" + uuencode(bypassPayload) + "`\nend\n\nRegards, Mallory\n", true},
	{"uuencode in a text part", top + "Content-Type: multipart/mixed; boundary=Y\n\n--Y\nContent-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n" + senderText + "\n\nbegin 644 a.exe\n" + qpSafe(uuencode(bypassPayload)) + "`\nend\n\nRegards, Mallory\n--Y--\n", true},
	{"yenc in a text body", top + "Content-Type: text/plain\nContent-Transfer-Encoding: 8bit\n\n" + senderText + "\n=ybegin line=128 size=" + fmt.Sprint(len(bypassPayload)) + " name=a.exe\n" + yencode(bypassPayload) + "\n=yend size=" + fmt.Sprint(len(bypassPayload)) + "\nRegards, Mallory\n", true},
	// Old Mac mailers end lines in a bare CR; readers that split lines
	// there see the attachment.
	{"bare CR line ends", strings.ReplaceAll(top+"Content-Type: multipart/mixed; boundary=Y\n\n--Y\nContent-Type: text/plain\n\n"+senderText+"\n--Y\n"+att("a.exe")+"--Y--\n", "\n", "\r"), true},
	{"comment in the first field name", "Received (via relay): by mx.example.org\n" + top + "Content-Type: multipart/mixed; boundary=Y\n\n--Y\nContent-Type: text/plain\n\n" + senderText + "\n--Y\n" + att("a.exe") + "--Y--\n", true},
	{"binhex in a text body", top + "Content-Type: text/plain\n\n" + senderText + "\n\n" + binhex("a.exe", bypassPayload) + "\nRegards, Mallory\n", true},
}

// TestBypassClasses: for every class the policy finds the payload,
// removes it, keeps the sender's text when it lies apart from the
// payload, and leaves nothing a second pass finds; `sigtool scan`'s walk
// (scan.ExpandMail) finds it too.
func TestBypassClasses(t *testing.T) {
	s := bypassScanner(t)
	eng := bypassEngine(t)
	for _, tc := range bypassCases {
		t.Run(tc.name, func(t *testing.T) {
			msg := []byte(tc.msg)
			o, err := s.Process(context.Background(), msg, Envelope{})
			if err != nil {
				t.Fatal(err)
			}
			if o.Action != Rewrite || len(o.Findings) == 0 || o.Findings[0].Signature != "Sigtool.Test.Bypass-1" {
				t.Fatalf("action %s, findings %+v, want the payload removed", o.Action, o.Findings)
			}
			if bytes.Contains(o.Message, []byte(b64(bypassPayload)[:60])) {
				t.Error("payload still in the message")
			}
			if tc.keepText && !bytes.Contains(o.Message, []byte(senderText)) {
				t.Errorf("the sender's text is gone:\n%s", o.Message)
			}
			if strings.Contains(tc.msg, "Regards, Mallory") && !bytes.Contains(o.Message, []byte("Regards, Mallory")) {
				t.Errorf("the text after the removed block is gone:\n%s", o.Message)
			}
			if !bytes.Contains(o.Message, []byte("is removed from here because it contains a virus")) {
				t.Errorf("no notice:\n%s", o.Message)
			}
			again, err := s.Process(context.Background(), o.Message, Envelope{})
			if err != nil || again.Action != Deliver {
				t.Errorf("second pass: %s %+v %v\n%s", again.Action, again.Findings, err, o.Message)
			}
			r, err := eng.Scan(context.Background(), "mail.eml", unpack.Bytes(msg), int64(len(msg)))
			if err != nil || !r.Infected() {
				t.Errorf("scan.ExpandMail misses it: %v", err)
			}
		})
	}
}

// bypassEngine is `sigtool scan`'s engine (mail expansion on) with
// bypassSig loaded.
func bypassEngine(tb testing.TB) *scan.Engine {
	m := compileSigs(tb, map[sigfile.Kind][]string{sigfile.KindNDB: {bypassSig}})
	opts := scan.DefaultOptions()
	opts.Expand = scan.ExpandMail
	return scan.New(m, opts)
}

// tnefWith builds a TNEF stream with one attachment (layout as in
// unpack/tnef.go).
func tnefWith(name string, data []byte) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	binary.Write(&b, le, uint32(0x223E9F78))
	binary.Write(&b, le, uint16(1))
	attr := func(level byte, id uint32, v []byte) {
		b.WriteByte(level)
		binary.Write(&b, le, id)
		binary.Write(&b, le, uint32(len(v)))
		b.Write(v)
		var sum uint16
		for _, c := range v {
			sum += uint16(c)
		}
		binary.Write(&b, le, sum)
	}
	attr(2, 0x00069002, make([]byte, 14))
	attr(2, 0x00018010, append([]byte(name), 0))
	attr(2, 0x0006800F, data)
	return b.Bytes()
}

// uuencode encodes data as uuencoded lines (without begin and end).
func uuencode(data []byte) string {
	var out strings.Builder
	enc := func(v byte) byte {
		if v == 0 {
			return '`'
		}
		return v + ' '
	}
	for len(data) > 0 {
		n := min(45, len(data))
		line := data[:n]
		data = data[n:]
		out.WriteByte(enc(byte(n)))
		for i := 0; i < n; i += 3 {
			var c [3]byte
			copy(c[:], line[i:min(i+3, n)])
			out.WriteByte(enc(c[0] >> 2))
			out.WriteByte(enc((c[0]<<4 | c[1]>>4) & 63))
			out.WriteByte(enc((c[1]<<2 | c[2]>>6) & 63))
			out.WriteByte(enc(c[2] & 63))
		}
		out.WriteByte('\n')
	}
	return out.String()
}

// qpSafe escapes '=' for a quoted-printable body.
func qpSafe(s string) string { return strings.ReplaceAll(s, "=", "=3D") }

// yencode encodes data as one yEnc line.
func yencode(data []byte) string {
	var out []byte
	for _, c := range data {
		e := c + 42
		switch e {
		case 0, '\n', '\r', '=':
			out = append(out, '=', e+64)
		default:
			out = append(out, e)
		}
	}
	return string(out)
}

// binhex encodes data as a BinHex 4.0 block (RLE only for literal 0x90).
func binhex(name string, data []byte) string {
	const alphabet = "!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr"
	var raw bytes.Buffer
	raw.WriteByte(byte(len(name)))
	raw.WriteString(name)
	raw.WriteByte(0)
	raw.WriteString("APPLmsdo\x00\x00")
	binary.Write(&raw, binary.BigEndian, uint32(len(data)))
	binary.Write(&raw, binary.BigEndian, uint32(0))
	raw.Write([]byte{0, 0})
	raw.Write(data)
	raw.Write([]byte{0, 0, 0, 0})
	var rle []byte
	for _, c := range raw.Bytes() {
		rle = append(rle, c)
		if c == 0x90 {
			rle = append(rle, 0)
		}
	}
	var out strings.Builder
	out.WriteString("(This file must be converted with BinHex 4.0)\n:")
	var acc uint32
	bits, col := 0, 1
	for _, c := range rle {
		acc = acc<<8 | uint32(c)
		for bits += 8; bits >= 6; {
			bits -= 6
			out.WriteByte(alphabet[acc>>bits&63])
			if col++; col == 64 {
				out.WriteByte('\n')
				col = 0
			}
		}
	}
	if bits > 0 {
		out.WriteByte(alphabet[acc<<(6-bits)&63])
	}
	out.WriteString(":")
	return out.String()
}
