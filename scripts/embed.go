// Package scripts holds the built-in voice scripts. A new routine is a new
// YAML file here; it is embedded in the binary.
package scripts

import "embed"

// FS holds every built-in script (*.yaml) and the pictures they name
// (images/).
//
//go:embed *.yaml images
var FS embed.FS
