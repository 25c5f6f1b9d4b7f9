package voice

import "embed"

// embedded holds the default pack: manifest.json and one WAV per prompt.
//
//go:embed default
var embedded embed.FS
