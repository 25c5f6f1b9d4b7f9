// Package scripts holds the built-in voice scripts. A new routine is a new
// YAML file here; it is embedded in the binary.
package scripts

import "embed"

// FS holds every built-in script (*.yaml).
//
//go:embed *.yaml
var FS embed.FS
