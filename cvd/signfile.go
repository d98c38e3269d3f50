package cvd

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// SignFileMagic is the first line of a .sign file.
const SignFileMagic = "#clamsign-1.0"

// SignFormatPKCS7 is the only signature format ClamAV defines.
const SignFormatPKCS7 = "pkcs7-pem"

// SignLine is one signature line of a .sign file:
// MINFL:MAXFL:pkcs7-pem:BASE64, MAXFL empty for "no upper bound".
type SignLine struct {
	Line   int // 1-based line number in the file
	MinFL  int
	MaxFL  int // 0 means no upper bound
	Format string
	DER    []byte // the PKCS#7 SignedData
}

// InRange reports whether flevel is within [MinFL, MaxFL].
func (l SignLine) InRange(flevel int) bool {
	return flevel >= l.MinFL && (l.MaxFL == 0 || flevel <= l.MaxFL)
}

// signLines walks a .sign file and calls fn for each signature line in
// order, stopping at the first parse error or when fn returns stop.
func signLines(data []byte, fn func(SignLine) (stop bool)) error {
	lines := strings.Split(string(data), "\n")
	if strings.TrimSpace(lines[0]) != SignFileMagic {
		return fmt.Errorf("line 1: want %q, got %.40q", SignFileMagic, lines[0])
	}
	for i, raw := range lines[1:] {
		s := strings.TrimSpace(raw)
		if s == "" || s[0] == '#' {
			continue
		}
		l, err := parseSignLine(s)
		if err != nil {
			return fmt.Errorf("line %d: %v", i+2, err)
		}
		l.Line = i + 2
		if fn(l) {
			return nil
		}
	}
	return nil
}

func parseSignLine(s string) (SignLine, error) {
	f := strings.Split(s, ":")
	if len(f) != 4 {
		return SignLine{}, fmt.Errorf("%d fields, want MINFL:MAXFL:FORMAT:DATA", len(f))
	}
	var l SignLine
	n, err := parseDecimal(f[0])
	if err != nil || n > 1<<30 {
		return SignLine{}, fmt.Errorf("MINFL %.12q", f[0])
	}
	l.MinFL = int(n)
	if f[1] != "" {
		n, err := parseDecimal(f[1])
		if err != nil || n == 0 || n > 1<<30 || int(n) < l.MinFL {
			return SignLine{}, fmt.Errorf("MAXFL %.12q", f[1])
		}
		l.MaxFL = int(n)
	}
	if f[2] != SignFormatPKCS7 {
		return SignLine{}, fmt.Errorf("format %.20q, want %q", f[2], SignFormatPKCS7)
	}
	l.Format = f[2]
	if l.DER, err = base64.StdEncoding.DecodeString(f[3]); err != nil {
		return SignLine{}, fmt.Errorf("base64: %v", err)
	}
	return l, nil
}

// ParseSignFile parses every signature line of a .sign file.
func ParseSignFile(data []byte) ([]SignLine, error) {
	var out []SignLine
	err := signLines(data, func(l SignLine) bool { out = append(out, l); return false })
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSignUnverifiable, err)
	}
	return out, nil
}

// VerifySign checks content against a .sign file as ClamAV does
// (codesign.rs): lines outside flevel are skipped, the first line that
// verifies wins. It returns "pkcs7:" and the signer names.
//
// ErrSignUnverifiable (bad magic, an unparsable line or PKCS#7, no line in
// range, signer certificate absent) lets the caller fall back to the legacy
// signature. ErrSignInvalid (wrong digest, bad RSA signature, chain not
// reaching roots, including roots == nil) must be treated as fatal.
func VerifySign(signFile, content []byte, roots *x509.CertPool, flevel int) (string, error) {
	var method string
	var verr error
	err := signLines(signFile, func(l SignLine) bool {
		if !l.InRange(flevel) {
			return false
		}
		m, err := parseCMS(l.DER)
		if err != nil {
			verr = fmt.Errorf("%w: line %d: %w", ErrSignUnverifiable, l.Line, err)
			return true
		}
		names, err := m.verify(content, roots)
		switch {
		case err == nil:
			method = "pkcs7:" + strings.Trim(names, "[]")
			return true
		case errors.Is(err, errUnparsable):
			return false // ClamAV moves on to the next line
		}
		verr = fmt.Errorf("%w: line %d: %v", ErrSignInvalid, l.Line, err)
		return true
	})
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrSignUnverifiable, err)
	}
	if verr != nil {
		return "", verr
	}
	if method == "" {
		return "", fmt.Errorf("%w: no signature line verifies for FLEVEL %d", ErrSignUnverifiable, flevel)
	}
	return method, nil
}

// FormatSignFile writes a .sign file holding lines (Line is ignored).
func FormatSignFile(lines ...SignLine) []byte {
	var b bytes.Buffer
	b.WriteString(SignFileMagic + "\n")
	for _, l := range lines {
		max := ""
		if l.MaxFL > 0 {
			max = fmt.Sprint(l.MaxFL)
		}
		fmt.Fprintf(&b, "%d:%s:%s:%s\n", l.MinFL, max, SignFormatPKCS7, base64.StdEncoding.EncodeToString(l.DER))
	}
	return b.Bytes()
}
