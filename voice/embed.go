package voice

import "embed"

// embedded holds the default pack: manifest.json and one WAV per prompt
// (named exactly, so a stray temporary file is never built in).
//
//go:embed default/manifest.json default/*.wav
var embedded embed.FS
