package unpack

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/pdfcpu/pdfcpu/pkg/filter"
)

// The stream filters (ISO 32000-1, 7.4) are github.com/pdfcpu/pdfcpu's:
// Flate and LZW with PNG and TIFF predictors, ASCIIHex, ASCII85 and
// RunLength, maintained and fuzzed by a PDF project. Its decoders fill a
// buffer, so each is given a cap: the member size limit, and the ratio
// limit applied to this stream's own input, so a stream that inflates
// 1000 times stops at the ratio before it is decoded whole.

// pdfFilterNames maps the abbreviations of inline images, which some
// writers use in stream dictionaries too.
var pdfFilterNames = map[pdfName]string{
	"FlateDecode": filter.Flate, "Fl": filter.Flate,
	"LZWDecode": filter.LZW, "LZW": filter.LZW,
	"ASCIIHexDecode": filter.ASCIIHex, "AHx": filter.ASCIIHex,
	"ASCII85Decode": filter.ASCII85, "A85": filter.ASCII85,
	"RunLengthDecode": filter.RunLength, "RL": filter.RunLength,
}

// decodePDFStream applies the filters in order. The reader it returns
// gives what was decoded and then the error that stopped the decoding, so
// a damaged stream is scanned as far as it goes and still reported.
func decodePDFStream(raw []byte, filters, parms []any, doc *pdfDoc, lim Limits) (io.Reader, error) {
	cur := raw
	var pooled *[]byte // cur's buffer when inflatePDF made it
	done := func(err error) io.Reader {
		var r io.Reader = bytes.NewReader(cur)
		if pooled != nil {
			r = newPooledReader(pooled)
		}
		if err != nil {
			return &errAfter{r: r, err: err}
		}
		return r
	}
	for i, f := range filters {
		name, _ := f.(pdfName)
		if name == "Crypt" {
			continue // the Identity crypt filter; others were applied by decrypt
		}
		if isImageFilter(name) {
			break
		}
		fname, ok := pdfFilterNames[name]
		if !ok {
			return done(fmt.Errorf("%w: pdf filter %v", ErrUnsupported, f)), nil
		}
		var dp pdfDict
		if i < len(parms) {
			dp, _ = doc.resolve(parms[i]).(pdfDict)
		}
		capN, capLimit := pdfDecodeCap(len(cur), lim)
		p := pdfParms(dp)
		if pred, ok := p["Predictor"]; fname == filter.Flate && (!ok || pred == 1) {
			out, err := inflatePDF(cur, capN, capLimit, lim)
			putInflateBuf(pooled)
			cur, pooled = *out, out
			if err != nil {
				return done(err), nil
			}
			continue
		}
		out, err := runPDFFilter(fname, p, cur, capN, capLimit, lim)
		putInflateBuf(pooled)
		cur, pooled = out, nil
		if err != nil {
			return done(err), nil
		}
	}
	return done(nil), nil
}

// pdfDecodeCap is the most one filter may produce from n bytes.
func pdfDecodeCap(n int, lim Limits) (int64, Limit) {
	capN, which := int64(1<<62), LimitFileSize
	if lim.MaxFileSize > 0 {
		capN = lim.MaxFileSize
	}
	if lim.MaxRatio > 0 {
		if r := max(lim.RatioFloor, lim.MaxRatio*int64(max(n, 1))); r < capN {
			capN, which = r, LimitRatio
		}
	}
	return capN, which
}

func pdfLimitMax(l Limit, lim Limits) int64 {
	if l == LimitRatio {
		return lim.MaxRatio
	}
	return lim.MaxFileSize
}

// runPDFFilter decodes at most capN bytes; past that it returns the first
// capN bytes and a limit error. A stream that ends early (a truncated zlib
// stream, a missing end-of-data mark) is not an error: all its input was
// decoded.
func runPDFFilter(name string, parms map[string]int, in []byte, capN int64, capLimit Limit, lim Limits) (out []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: pdf %s: decoder failed: %v", ErrCorrupt, name, p)
		}
	}()
	f, err := filter.NewFilter(name, parms, capN)
	if err != nil {
		return nil, fmt.Errorf("%w: pdf %s: %w", ErrUnsupported, name, err)
	}
	r, err := f.DecodeLength(bytes.NewReader(in), -1)
	if errors.Is(err, filter.ErrDecodeLimitExceeded) {
		// Decode the prefix that fits, for the scan.
		if r, _ = f.DecodeLength(bytes.NewReader(in), capN); r != nil {
			out, _ = io.ReadAll(r)
		}
		return out[:min(int64(len(out)), capN)], &LimitError{Limit: capLimit, Max: pdfLimitMax(capLimit, lim)}
	}
	if r != nil {
		out, _ = io.ReadAll(r)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = nil
	}
	if err != nil {
		err = fmt.Errorf("%w: pdf %s: %w", ErrCorrupt, name, err)
	}
	return out, err
}

// pdfParms are the DecodeParms entries the filters read.
func pdfParms(d pdfDict) map[string]int {
	m := map[string]int{}
	for _, k := range []pdfName{"Predictor", "Colors", "BitsPerComponent", "Columns", "EarlyChange"} {
		if v, ok := d[k].(int64); ok && v >= 0 && v < 1<<24 {
			m[string(k)] = int(v)
		}
	}
	return m
}

// errAfter reads r, then returns err instead of io.EOF.
type errAfter struct {
	r   io.Reader
	err error
}

// Close closes r when it is a Closer (a pooled buffer's reader).
func (e *errAfter) Close() error {
	if c, ok := e.r.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

func (e *errAfter) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		err = e.err
	}
	return n, err
}
