package coach

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/coach-dev/coach/scripts"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema))
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource("voice-script.schema.json", doc))
	s, err := c.Compile("voice-script.schema.json")
	require.NoError(t, err)
	return s
}

// instance reads YAML the way an editor's YAML language server would, as
// JSON values.
func instance(t *testing.T, src []byte) (any, bool) {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(src, &v); err != nil {
		return nil, false
	}
	js, err := json.Marshal(v)
	require.NoError(t, err)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	require.NoError(t, err)
	return inst, true
}

func TestSchemaAcceptsBuiltinScripts(t *testing.T) {
	s := compileSchema(t)
	names, err := fs.Glob(scripts.FS, "*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, names)
	srcs := map[string][]byte{"minimal": []byte(minimal), "holds": []byte(holdScript)}
	// Every way of writing sides, and variants that change them.
	for _, sides := range []string{"none", "both", "alternate", "left", "right", "[left]", "[right, left]", "[]"} {
		srcs["sides "+sides] = []byte(fmt.Sprintf(sidesScript, sides))
	}
	for _, f := range []string{"neck-care.yaml", "low-back.yaml"} {
		b, err := os.ReadFile(filepath.Join("..", "internal", "cli", "testdata", "routines", f))
		require.NoError(t, err)
		srcs[f] = b
	}
	for _, n := range names {
		b, err := fs.ReadFile(scripts.FS, n)
		require.NoError(t, err)
		srcs[n] = b
	}
	for name, src := range srcs {
		t.Run(name, func(t *testing.T) {
			_, err := Load(name, src)
			require.NoError(t, err, "the loader accepts it")
			inst, ok := instance(t, src)
			require.True(t, ok)
			assert.NoError(t, s.Validate(inst))
		})
	}
}

func TestSchemaRejectsInvalidScripts(t *testing.T) {
	s := compileSchema(t)
	for _, tt := range loadErrorCases {
		if !tt.schema {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			inst, ok := instance(t, []byte(tt.src))
			require.True(t, ok, "parses as YAML")
			assert.Error(t, s.Validate(inst), "the loader says: %s", tt.want)
		})
	}
}
