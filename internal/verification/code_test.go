package verification

import (
	"bytes"
	"image/png"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewCodeIs80RandomBitsInBase32(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		c, err := NewCode()
		require.NoError(t, err)
		assert.Regexp(t, `^[A-Z2-7]{16}$`, c)
		assert.False(t, seen[c])
		seen[c] = true
	}
}

func TestNormalizeAndFormat(t *testing.T) {
	for typed, want := range map[string]string{
		"ABCD-EFGH-IJKL-MNOP":  "ABCDEFGHIJKLMNOP",
		"abcd efgh ijkl mnop":  "ABCDEFGHIJKLMNOP",
		"ABCD-EFGH-1JKL-MN0P":  "ABCDEFGHIJKLMNOP", // 1 read as I, 0 as O
		" abcdefgh234567AB\t ": "ABCDEFGH234567AB",
	} {
		got, ok := Normalize(typed)
		assert.True(t, ok, typed)
		assert.Equal(t, want, got, typed)
	}
	for _, bad := range []string{"", "ABCD", "ABCD-EFGH-IJKL-MNOPQ", "ABCD-EFGH-IJKL-MN9P", "<script>", "ABCD-EFGH-IJKL-MNO%", string(make([]byte, 5000))} {
		_, ok := Normalize(bad)
		assert.False(t, ok, "%q", bad)
	}
	assert.Equal(t, "ABCD-EFGH-IJKL-MNOP", Format("ABCDEFGHIJKLMNOP"))
	assert.Equal(t, "https://attest.firm.example/verify/ABCD-EFGH-IJKL-MNOP", URL("https://attest.firm.example/", "ABCDEFGHIJKLMNOP"))
}

// decodeQR reads a QR code PNG back to its text.
func decodeQR(t *testing.T, pngBytes []byte) string {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(pngBytes))
	require.NoError(t, err)
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	require.NoError(t, err)
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	require.NoError(t, err)
	return res.GetText()
}

func TestQRCodeDecodesToTheVerificationURL(t *testing.T) {
	url := URL("https://attest.firm.example", "ABCDEFGHIJKLMNOP")
	a, err := QRPNG(url, 240)
	require.NoError(t, err)
	b, err := QRPNG(url, 240)
	require.NoError(t, err)
	assert.Equal(t, a, b, "the same URL gives the same image")
	assert.Equal(t, url, decodeQR(t, a))
}
