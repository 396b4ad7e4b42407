package evidence

import (
	"bytes"
	"net/http"
	"path"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// SniffLen is how many leading bytes Classify needs.
const SniffLen = 512

// Refusal explains why an upload is not accepted, in words the uploader can act on.
type Refusal struct{ Reason string }

func (r *Refusal) Error() string { return r.Reason }

// CleanFileName returns the name to store for an uploaded file. Browsers send a bare name, so
// any folder part means a crafted request and is refused rather than silently trimmed. The name
// is normalised as the platforms that will save it do: Unicode NFC, control characters and
// bidirectional overrides removed (U+202A–U+202E, U+2066–U+2069, which make "exe.pdf" display for
// "fdp.exe"), and trailing dots and spaces stripped (Windows saves "run.bat." as "run.bat").
func CleanFileName(name string) (string, error) {
	name = norm.NFC.String(name)
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar || isBidiControl(r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	name = strings.TrimRight(name, ". \u00a0")
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

// isBidiControl reports the explicit directional formatting characters (embeddings, overrides,
// isolates) and the directional marks.
func isBidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x200E || r == 0x200F || r == 0x061C
}

// executableExtension returns the extension under which Windows, macOS or Linux would run or open
// name as a program or script ("" when none). Windows ignores trailing dots and spaces and reads
// "name.bat:stream" (an alternate data stream) as "name.bat", so every candidate is checked.
func executableExtension(name string) string {
	candidates := []string{name}
	if before, _, ok := strings.Cut(name, ":"); ok {
		candidates = append(candidates, before)
	}
	for _, c := range candidates {
		c = strings.TrimRight(c, ". ")
		ext := strings.ToLower(path.Ext(c))
		if executableExt[ext] {
			return ext
		}
	}
	return ""
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

// executableExt lists the extensions that run code when opened: Windows' PATHEXT and the file
// types Outlook blocks as unsafe (scripts, shortcuts, installers, control-panel and help files,
// HTML applications), plus macOS and Linux programs, packages and script interpreters.
var executableExt = func() map[string]bool {
	m := map[string]bool{}
	for _, e := range strings.Fields(`
		.ade .adp .app .application .appref-ms .asp .aspx .asx .bas .bat .bgi .cab .chm .cmd .cnt .com .cpl
		.csh .diagcab .dll .exe .fxp .gadget .grp .hlp .hpj .hta .htc .inf .ins .isp .its .jar
		.jnlp .js .jse .ksh .lnk .mad .maf .mag .mam .maq .mar .mas .mat .mau .mav .maw .mcf .mda .mdb .mde
		.mdt .mdw .mdz .msc .msh .msh1 .msh2 .mshxml .msh1xml .msh2xml .msi .msix .msixbundle .appx .appxbundle
		.msp .mst .msu .ocx .ops .osd .pcd .pif .pl .plg .prf .prg .printerexport .ps1 .ps1xml .ps2 .ps2xml
		.psc1 .psc2 .psd1 .psdm1 .psm1 .py .pyc .pyo .pyw .pyz .pyzw .reg .scf .scr .sct .search-ms
		.settingcontent-ms .shb .shs .sys .theme .url .vb .vbe .vbp .vbs .vhd .vhdx .vsmacros .vsw .webpnp
		.website .ws .wsb .wsc .wsf .wsh .xbap .xll .xnk .library-ms .iqy .slk .drv .cpx
		.sh .bash .zsh .fish .command .tool .run .bin .elf .out .so .dylib .deb .rpm .dmg .pkg .mpkg .apk
		.appimage .desktop .action .workflow .scpt .scptd .applescript .osax .kext .php .phtml .rb .lua
		.tcl .awk .class .swf .xpi .crx .ipa .terminal .mobileconfig .iso .img`) {
		m[e] = true
	}
	return m
}()

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
	if x := executableExtension(name); x != "" {
		return "", &Refusal{quote(name) + " has a program's file extension (" + x + "). Executable files are not accepted as evidence."}
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
