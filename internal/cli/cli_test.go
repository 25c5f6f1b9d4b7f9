package cli

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coach-dev/coach/coach"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files")

type result struct {
	code     int
	out, err string
}

// run runs the CLI in-process with HOME and XDG folders in a temp dir, so a
// developer's own scripts and packs never leak into a test.
func run(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	if env == nil {
		env = map[string]string{}
	}
	if _, ok := env["HOME"]; !ok {
		env["HOME"] = t.TempDir()
	}
	code := Main(args, IO{In: strings.NewReader(""), Out: &out, Err: &errb, Env: func(k string) string { return env[k] }})
	return result{code, out.String(), errb.String()}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "golden file missing: run go test ./internal/cli -update")
	assert.Equal(t, string(want), string(got), "golden %s differs (go test ./internal/cli -update to refresh)", name)
}

func TestPlanGolden(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"upper-back.txt", []string{"plan", "upper-back"}},
		{"upper-back.json", []string{"plan", "upper-back", "--json"}},
		{"open-books-hold.txt", []string{"plan", "upper-back", "--only", "open-books", "--variant", "hold"}},
		{"childs-pose-max.txt", []string{"plan", "upper-back", "--only", "childs-pose", "--hold", "max", "--reps", "2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, nil, tt.args...)
			require.Equal(t, 0, r.code, r.err)
			golden(t, filepath.Join("plan", tt.name), []byte(r.out))
		})
	}
}

func TestPlanJSONContract(t *testing.T) {
	r := run(t, nil, "plan", "upper-back", "--json")
	require.Equal(t, 0, r.code, r.err)
	var p struct {
		Routine    string `json:"routine"`
		SampleRate int    `json:"sample_rate"`
		DurationMS int64  `json:"duration_ms"`
		Exercises  []struct {
			ID        string   `json:"id"`
			StartMS   int64    `json:"start_ms"`
			EndMS     int64    `json:"end_ms"`
			Sets      int      `json:"sets"`
			Reps      int      `json:"reps"`
			Sides     []string `json:"sides"`
			HoldMS    int64    `json:"hold_ms"`
			Equipment []string `json:"equipment"`
		} `json:"exercises"`
		Cues []struct {
			AtMS    int64    `json:"at_ms"`
			AtFrame int64    `json:"at_frame"`
			EndMS   int64    `json:"end_ms"`
			Phase   string   `json:"phase"`
			Text    string   `json:"text"`
			Clips   []string `json:"clips"`
		} `json:"cues"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.out), &p))
	assert.Equal(t, "upper-back", p.Routine)
	assert.Equal(t, 24000, p.SampleRate)
	var ids []string
	for _, e := range p.Exercises {
		ids = append(ids, e.ID)
		assert.NotNil(t, e.Sides)
		assert.NotNil(t, e.Equipment)
		assert.Less(t, e.StartMS, e.EndMS)
	}
	assert.Equal(t, []string{"shoulder-rolls", "childs-pose", "open-books", "scapular-squeeze", "bent-over-row"}, ids)
	assert.Equal(t, []string{"left", "right"}, p.Exercises[2].Sides)
	assert.Equal(t, int64(20000), p.Exercises[1].HoldMS)
	assert.Equal(t, int64(5000), p.Exercises[3].HoldMS)
	for i, c := range p.Cues {
		assert.Equal(t, c.AtFrame*1000/24000, c.AtMS)
		assert.NotEmpty(t, c.Clips)
		if i > 0 {
			assert.LessOrEqual(t, p.Cues[i-1].EndMS, c.AtMS, "cues never overlap: %q then %q", p.Cues[i-1].Text, c.Text)
		}
	}
	assert.Contains(t, p.Cues[1].Text, "hurts", "the safety rule is spoken at the start")
}

func TestList(t *testing.T) {
	r := run(t, nil, "list", "--json")
	require.Equal(t, 0, r.code, r.err)
	var entries []listEntry
	require.NoError(t, json.Unmarshal([]byte(r.out), &entries))
	require.NotEmpty(t, entries)
	assert.Equal(t, "upper-back", entries[0].ID)
	assert.Equal(t, 5, entries[0].Exercises)
	assert.Equal(t, "built-in", entries[0].Source)
	assert.Greater(t, entries[0].DurationMS, int64(5*60*1000))

	r = run(t, nil, "list")
	require.Equal(t, 0, r.code)
	assert.Contains(t, r.out, "upper-back")
	assert.Contains(t, r.out, "built-in")
}

func writeScript(t *testing.T, dir, name, body string) string {
	t.Helper()
	require.NoError(t, os.MkdirAll(dir, 0o755))
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
	return path
}

const okScript = `version: 1
id: tiny
title: Rest
exercises:
  - id: squeeze
    name: Scapular squeeze
    reps: 2
    rep:
      - phase: move
        duration: 3s
        say: Squeeze.
      - phase: hold
        duration: 5s
        say: Hold.
`

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	good := writeScript(t, dir, "good.yaml", okScript)
	bad := writeScript(t, dir, "bad.yaml", strings.Replace(strings.Replace(okScript, "reps: 2", "reps: 0", 1), "title: Rest", "titel: Rest", 1))
	missing := writeScript(t, dir, "missing.yaml", strings.Replace(okScript, "say: Squeeze.", "say: Squeeze like a zebra.", 1))
	long := writeScript(t, dir, "long.yaml", strings.Replace(okScript, "duration: 3s\n        say: Squeeze.", "duration: 1s\n        say: Keep your back straight and hinge forward at the hips.", 1))

	r := run(t, nil, "validate", good)
	assert.Equal(t, 0, r.code, r.out+r.err)
	assert.Equal(t, good+": ok\n", r.out)

	// A line no pack can say yet is not an error: run and render record it.
	r = run(t, nil, "validate", missing)
	assert.Equal(t, 0, r.code, r.out+r.err)
	assert.Equal(t, missing+`:11:14: to be recorded: "Squeeze like a zebra" (new words: like, zebra)`+"\n"+
		missing+": ok; 1 phrase(s) to be recorded (coach run and coach render record them before they start), or record them all now with: coach voice bake "+missing+"\n", r.out)

	tests := []struct {
		file string
		want []string
	}{
		{bad, []string{
			bad + `:3:1: unknown field "titel" in the routine (did you mean "title"?)`,
			bad + `:1:1: the routine has no "title" field`,
			bad + ":7:11: reps must be between 1 and 50, not 0",
		}},
		{long, []string{long + `:9:9: squeeze: rep 1, phase move: the spoken line takes`, "; shorten the line or lengthen the phase"}},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			r := run(t, nil, "validate", tt.file)
			assert.Equal(t, 1, r.code)
			for _, w := range tt.want {
				assert.Contains(t, r.out, w)
			}
			for _, line := range strings.Split(strings.TrimSpace(r.out), "\n") {
				assert.True(t, strings.HasPrefix(line, tt.file+":"), "every problem names the file: %q", line)
			}
		})
	}

	r = run(t, nil, "validate", good, bad)
	assert.Equal(t, 1, r.code, "one bad file fails the run")
	assert.Contains(t, r.out, good+": ok")
}

func TestUsageAndFailureExitCodes(t *testing.T) {
	tests := []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"plan"}, 2, "coach: coach plan takes 1 argument(s), got 0"},
		{[]string{"plan", "upper-back", "--bogus"}, 2, "unknown flag: --bogus"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"plan", "upper-back", "--hold", "20"}, 2, `--hold: duration "20" needs a unit, e.g. 20s (or use min, max)`},
		{[]string{"plan", "uper-back"}, 1, `coach: no routine "uper-back" (did you mean "upper-back"?)`},
		{[]string{"plan", "upper-back", "--only", "open-bok"}, 1, `coach: upper-back has no exercise "open-bok" (did you mean "open-books"?)`},
		{[]string{"plan", "upper-back", "--variant", "hodl"}, 1, `(did you mean "hold"?)`},
		{[]string{"plan", "/nonexistent/x.yaml"}, 1, "coach: read script: open /nonexistent/x.yaml: no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := run(t, nil, tt.args...)
			assert.Equal(t, tt.code, r.code, r.err)
			assert.Contains(t, r.err, tt.err)
			assert.NotContains(t, r.err, "goroutine", "never a stack trace")
		})
	}
}

func TestNewTemplateValidatesAndIsNeverOverwritten(t *testing.T) {
	cfg := t.TempDir()
	env := map[string]string{"XDG_CONFIG_HOME": cfg}
	r := run(t, env, "new", "neck-stretches")
	require.Equal(t, 0, r.code, r.err)
	file := filepath.Join(cfg, "coach", "scripts", "neck-stretches.yaml")
	assert.Contains(t, r.out, file)
	assert.FileExists(t, filepath.Join(cfg, "coach", "scripts", "voice-script.schema.json"))

	r = run(t, env, "validate", file)
	assert.Equal(t, 0, r.code, "the template validates as it is: %s", r.out)
	r = run(t, env, "plan", "neck-stretches")
	assert.Equal(t, 0, r.code, r.err)
	assert.Contains(t, r.out, "Neck stretches")

	require.NoError(t, os.WriteFile(file, []byte("# my edits\n"+okScript), 0o644))
	r = run(t, env, "new", "neck-stretches")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.err, "already exists")
	b, _ := os.ReadFile(file)
	assert.True(t, strings.HasPrefix(string(b), "# my edits"), "what the user wrote is kept")

	r = run(t, env, "list", "--json")
	assert.Equal(t, 0, r.code, r.err)
	assert.Contains(t, r.out, `"source": "`+file)
}

func TestUserRoutineWithBuiltinIDNamesBothFiles(t *testing.T) {
	cfg := t.TempDir()
	file := writeScript(t, filepath.Join(cfg, "coach", "scripts"), "mine.yaml", strings.Replace(okScript, "id: tiny", "id: upper-back", 1))
	r := run(t, map[string]string{"XDG_CONFIG_HOME": cfg}, "list")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.err, file+`: routine id "upper-back" is already used by the built-in upper-back.yaml`)
	r = run(t, map[string]string{"XDG_CONFIG_HOME": cfg}, "plan", "upper-back")
	assert.Equal(t, 0, r.code)
	assert.Contains(t, r.err, file+` also has the id "upper-back" and is ignored; using the built-in upper-back.yaml`, "never quietly")
}

func TestSchemaCommand(t *testing.T) {
	r := run(t, nil, "schema")
	require.Equal(t, 0, r.code)
	var v map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.out), &v))
	assert.Equal(t, "object", v["type"])
}

// The README's key paragraph names every key of the control table.
func TestREADMEListsEveryKey(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	readme := string(b)
	i := strings.Index(readme, "Keys during `coach run`")
	require.Positive(t, i)
	para := readme[i : i+strings.Index(readme[i:], "\n\n")]
	for _, c := range coach.Controls {
		if !c.Button && !c.Feel {
			continue
		}
		for _, k := range c.Keys {
			name := map[string]string{coach.KeySpace: "space", coach.KeyCtrlC: "Ctrl-C", coach.KeyCtrlD: "Ctrl-D"}[k]
			if name == "" {
				name = "`" + k + "`"
			}
			assert.Contains(t, para, name, "%s (%s)", k, c.Command)
		}
	}
}
