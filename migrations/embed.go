// Package migrations holds lianxin's schema as numbered SQL files, embedded in
// the binary so that `lianxin migrate` and the tests apply exactly the schema
// that was built. Files follow tern's format: the forward migration above the
// line "---- create above / drop below ----", its reversal below it.
package migrations

import "embed"

// FS holds every migration file, in name order.
//
//go:embed *.sql
var FS embed.FS
