// Package static embeds the stylesheets, scripts and images the pages load.
package static

import "embed"

// FS holds every static file.
//
//go:embed *.css *.js vendor
var FS embed.FS
