package difftest

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

// zipOf returns a zip holding one deflated member (so that the zip's own
// bytes do not hold the member's).
func zipOf(t *testing.T, name string, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	f, err := w.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
	if err != nil {
		t.Fatal(err)
	}
	f.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// mailWith returns a message with data attached in base64.
func mailWith(name string, data []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(data)
	var lines []string
	for len(enc) > 76 {
		lines, enc = append(lines, enc[:76]), enc[76:]
	}
	lines = append(lines, enc)
	return []byte("From: a@example.org\r\nTo: b@example.org\r\nSubject: test\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nhello\r\n" +
		"--b1\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"" + name + "\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n" + strings.Join(lines, "\r\n") + "\r\n--b1--\r\n")
}

// TestContainers covers the target-description conditions on where
// content was found (Container, Intermediates) and HandlerType, which
// makes ClamAV scan content again as another type.
func TestContainers(t *testing.T) {
	clamscanPath(t)
	member := bin("container member mark")
	inner := zipOf(t, "m.bin", member)
	sub := []string{hx("container member mark")}
	handled := append(append([]byte("\x00\x01\x00\x01 "), "handler mark"...), "\x00\x01"...)
	runCases(t, []diffCase{
		ldbCase("InZip", "Container:CL_TYPE_ZIP,Target:0", "0", sub,
			hit("zip", inner), miss("plain", member), miss("mail", mailWith("m.bin", member))),
		ldbCase("InMail", "Container:CL_TYPE_MAIL,Target:0", "0", sub,
			hit("mail", mailWith("m.bin", member)), miss("zip", inner), miss("zip in mail", mailWith("m.zip", inner))),
		ldbCase("AtTop", "Container:CL_TYPE_ANY,Target:0", "0", sub,
			hit("plain", member), miss("zip", inner)),
		ldbCase("ZipInZip", "Intermediates:CL_TYPE_ZIP>CL_TYPE_ZIP,Target:0", "0", sub,
			hit("nested", zipOf(t, "inner.zip", inner)), miss("single", inner)),
		ldbCase("ZipInMail", "Intermediates:CL_TYPE_MAIL>CL_TYPE_ZIP,Target:0", "0", sub,
			hit("zip in mail", mailWith("m.zip", inner)), miss("zip", inner)),
		ldbCase("AnyThenZip", "Intermediates:CL_TYPE_ANY>CL_TYPE_ZIP,Target:0", "0", sub,
			hit("zip in zip", zipOf(t, "inner.zip", inner)), miss("zip", inner)),
		// A HandlerType signature does not alert on the raw scan; the
		// rescan as graphics lets a target-5 signature match, and the
		// handler itself alerts from there (and on binary data's second
		// pass).
		{name: "Handler", sig: "Dt.Handler", db: map[string][]string{
			"h.ldb": {"Dt.Handler;Engine:51-255,HandlerType:CL_TYPE_GRAPHICS,Target:0;0;" + hx("handler mark")},
			"h.ndb": {"Dt.HandlerGfx:5:*:" + hx("handler mark")},
		}, samples: []sample{hit("binary", handled), hit("text", []byte("some handler mark here\n"))}},
	})
}
