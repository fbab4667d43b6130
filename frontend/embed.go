// Package frontend carries the built web map — Vite's output in dist/ — into
// the lianxin binary, so one file serves the map, the API and the tiles with
// no separate web server. It exists as a package because go:embed can only
// reach files below the embedding source file.
//
// dist/ is built by `make frontend` (npm ci, then vite build). A fresh clone
// holds only dist/.gitkeep, so the Go code compiles before npm has run; the
// server then answers that the web map is not built.
package frontend

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist returns the built app with index.html at its root.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		// "dist" is a valid path by construction; fs.Sub fails only on invalid ones.
		panic(err)
	}
	return sub
}
