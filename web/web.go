// Package web holds the browser side of khaosat as static files embedded in
// the binary: app/ (the collectors' phone app), console/ (the web console),
// shared/ (the API client, message catalogue, form renderer and styles both
// use) and vendor/ (libraries copied from the npm registry by vendor.sh).
// Nothing here is built at run time.
package web

import "embed"

// Files is the web root: app/, console/, shared/ and vendor/.
//
//go:embed app console shared vendor
var Files embed.FS
