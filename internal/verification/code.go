// Package verification lets the readers of a report check that a PDF was issued by the firm and
// is unchanged: a verification code per issued version (printed on the cover with a QR code and
// in every footer), the public page that answers for a code or an uploaded PDF, recipient copies
// of restricted-use reports, and the withdrawal of an issued version.
package verification

import (
	"bytes"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"image/png"
	"strings"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"
)

// CodeLength is the number of base32 letters of a code: 16 × 5 = 80 random bits.
const CodeLength = 16

// NewCode returns a fresh random verification code (80 bits from crypto/rand, base32).
func NewCode() (string, error) {
	b := make([]byte, CodeLength*5/8)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("drawing a verification code: %w", err)
	}
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b), nil
}

// Normalize turns what a person typed into the stored form: upper case, without spaces and
// dashes, with the digits people confuse with letters (0, 1, 8) read as the letters base32
// uses (O, I, B). ok is false unless the result is CodeLength letters of the base32 alphabet.
func Normalize(typed string) (code string, ok bool) {
	if len(typed) > 64 {
		return "", false
	}
	var b strings.Builder
	for _, r := range strings.ToUpper(typed) {
		switch {
		case r == '-' || r == ' ' || r == '\t':
			continue
		case r == '0':
			r = 'O'
		case r == '1':
			r = 'I'
		case r == '8':
			r = 'B'
		}
		if !(r >= 'A' && r <= 'Z' || r >= '2' && r <= '7') {
			return "", false
		}
		b.WriteRune(r)
	}
	code = b.String()
	return code, len(code) == CodeLength
}

// Format groups a code in fours for people: ABCD-EFGH-JKLM-NPQR.
func Format(code string) string {
	var parts []string
	for i := 0; i < len(code); i += 4 {
		parts = append(parts, code[i:min(i+4, len(code))])
	}
	return strings.Join(parts, "-")
}

// URL is the public verification address of a code.
func URL(baseURL, code string) string {
	return strings.TrimRight(baseURL, "/") + "/verify/" + Format(code)
}

// QRPNG draws url as a QR code (error correction M) of about size pixels, as PNG bytes. The
// same URL always gives the same bytes, so report PDFs stay deterministic.
func QRPNG(url string, size int) ([]byte, error) {
	code, err := qr.Encode(url, qr.M, qr.Auto)
	if err != nil {
		return nil, fmt.Errorf("encoding the QR code: %w", err)
	}
	code, err = barcode.Scale(code, size, size)
	if err != nil {
		return nil, fmt.Errorf("scaling the QR code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, code); err != nil {
		return nil, fmt.Errorf("writing the QR code: %w", err)
	}
	return buf.Bytes(), nil
}
