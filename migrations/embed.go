// Package migrations embeds the numbered SQL files that are the source of truth for the schema.
package migrations

import "embed"

// FS holds every migration; goose reads them in numeric order.
//
//go:embed *.sql
var FS embed.FS
