package coach

import _ "embed"

// Schema is the JSON Schema of the voice script format, for editors (the
// template's first line points at it) and `coach schema`. Tests check it
// accepts every built-in script and rejects what the loader rejects.
//
//go:embed schema/voice-script.schema.json
var Schema []byte
