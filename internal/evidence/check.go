package evidence

import (
	"bytes"
	"net/http"
	"path"
	"strings"
	"unicode"
)

// SniffLen is how many leading bytes Classify needs.
const SniffLen = 512

// Refusal explains why an upload is not accepted, in words the uploader can act on.
type Refusal struct{ Reason string }

func (r *Refusal) Error() string { return r.Reason }

// CleanFileName returns the name to store for an uploaded file. Browsers send a bare name, so
// any folder part means a crafted request and is refused rather than silently trimmed.
func CleanFileName(name string) (string, error) {
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "" {
		return "", &Refusal{"The file has no name. Rename it and upload it again."}
	}
	if strings.ContainsAny(name, `/\`) || name == "." || name == ".." || strings.HasPrefix(name, "..") {
		return "", &Refusal{"The file name " + quote(name) + " contains a folder path. Upload the file with a plain name such as report.pdf."}
	}
	if len(name) > 200 {
		ext := path.Ext(name)
		if len(ext) > 20 {
			ext = ""
		}
		name = strings.ToValidUTF8(name[:200-len(ext)], "") + ext
	}
	return name, nil
}

func quote(s string) string { return "“" + s + "”" }

// executableMagic lists the headers of programs and scripts, whatever their file name says.
var executableMagic = [][]byte{
	[]byte("MZ"),             // Windows PE (.exe, .dll)
	[]byte("\x7fELF"),        // Linux
	{0xfe, 0xed, 0xfa, 0xce}, // Mach-O 32
	{0xfe, 0xed, 0xfa, 0xcf}, // Mach-O 64
	{0xce, 0xfa, 0xed, 0xfe},
	{0xcf, 0xfa, 0xed, 0xfe},
	{0xca, 0xfe, 0xba, 0xbe}, // Mach-O universal, Java class
	[]byte("#!"),             // scripts
}

var executableExt = map[string]bool{".exe": true, ".dll": true, ".com": true, ".bat": true, ".cmd": true, ".msi": true,
	".scr": true, ".ps1": true, ".vbs": true, ".js": true, ".jar": true, ".sh": true, ".app": true, ".apk": true}

// officeTypes names the ZIP- and OLE-based office formats that sniffing alone cannot tell apart.
var officeTypes = map[string]string{
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".doc":  "application/msword",
	".xls":  "application/vnd.ms-excel",
	".ppt":  "application/vnd.ms-powerpoint",
	".msg":  "application/vnd.ms-outlook",
}

// oleMagic starts the legacy Office formats (.doc, .xls, .msg).
var oleMagic = []byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}

// Classify decides from the file's first bytes (not its name) what it is, and refuses programs
// and types auditors have no use for. It returns the content type to record.
func Classify(name string, head []byte) (string, error) {
	ext := strings.ToLower(path.Ext(name))
	for _, m := range executableMagic {
		if bytes.HasPrefix(head, m) {
			return "", &Refusal{quote(name) + " is a program or script, not a document. Executable files are not accepted as evidence."}
		}
	}
	if executableExt[ext] {
		return "", &Refusal{quote(name) + " has a program's file extension (" + ext + "). Executable files are not accepted as evidence."}
	}
	sniffed := http.DetectContentType(head)
	base, _, _ := strings.Cut(sniffed, ";")
	switch {
	case base == "application/pdf", base == "image/png", base == "image/jpeg", base == "image/gif",
		base == "image/webp", base == "image/bmp", base == "application/x-gzip":
		return base, nil
	case base == "text/plain":
		if ext == ".csv" {
			return "text/csv", nil
		}
		return sniffed, nil
	case base == "application/zip":
		if t, ok := officeTypes[ext]; ok && strings.HasSuffix(ext, "x") {
			return t, nil
		}
		return base, nil
	case bytes.HasPrefix(head, oleMagic):
		if t, ok := officeTypes[ext]; ok {
			return t, nil
		}
	}
	return "", &Refusal{quote(name) + " is of a type that is not accepted (" + base + "). Upload PDF, images, text, CSV, Office documents or ZIP archives."}
}
