package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/coach-dev/coach/internal/pulsetest"
	"github.com/coach-dev/coach/voice"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// coachExec runs the real coach binary with HOME in dir and the given extra
// environment, and returns its exit code, stdout and stderr.
func coachExec(t *testing.T, home string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(coachBin, args...)
	cmd.Env = append([]string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8"}, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return result{code, out.String(), errb.String()}
}

type planDoc struct {
	SampleRate int      `json:"sample_rate"`
	DurationMS int64    `json:"duration_ms"`
	Unrecorded []string `json:"unrecorded"`
	Exercises  []struct {
		ID        string   `json:"id"`
		Sides     []string `json:"sides"`
		Alternate bool     `json:"alternate"`
		Variant   string   `json:"variant"`
	} `json:"exercises"`
	Cues []struct {
		Text       string `json:"text"`
		Unrecorded bool   `json:"unrecorded"`
	} `json:"cues"`
}

func planOf(t *testing.T, home string, args ...string) planDoc {
	t.Helper()
	r := coachExec(t, home, nil, append([]string{"plan", "--json"}, args...)...)
	require.Equal(t, 0, r.code, r.err)
	var p planDoc
	require.NoError(t, json.Unmarshal([]byte(r.out), &p))
	return p
}

// TestOwnRoutinesEndToEnd writes two realistic programmes of our own (a
// neck programme and a low-back programme: sets, hold ranges, both sides,
// one side, alternating sides, breathing phases, variants) as a new user
// would, with an empty voice pack, and takes each through new, validate,
// plan, render and run with the real binary and festival.
func TestOwnRoutinesEndToEnd(t *testing.T) {
	pulsetest.Require(t, "festival")
	for _, id := range []string{"neck-care", "low-back"} {
		t.Run(id, func(t *testing.T) {
			home := t.TempDir()
			r := coachExec(t, home, nil, "new", id)
			require.Equal(t, 0, r.code, r.err)
			file := filepath.Join(home, ".config", "coach", "scripts", id+".yaml")
			require.FileExists(t, file)
			// The user writes their programme into the template.
			src, err := os.ReadFile(filepath.Join("testdata", "routines", id+".yaml"))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(file, src, 0o644))

			// validate: runnable in every session; its new words listed by line.
			r = coachExec(t, home, nil, "validate", file)
			require.Equal(t, 0, r.code, r.out)
			assert.NotContains(t, r.out, "warning", "the programme is written to be heard as written")
			assert.Regexp(t, regexp.MustCompile(regexp.QuoteMeta(file)+`:\d+:\d+: to be recorded: `), r.out)
			assert.Contains(t, r.out, file+": ok; ")
			assert.Contains(t, r.out, "record them all now with: coach voice bake "+file)

			// plan: the whole timetable before anything is recorded.
			r = coachExec(t, home, nil, "plan", file)
			require.Equal(t, 0, r.code, r.err)
			assert.Contains(t, r.out, "[to be recorded]")
			assert.Contains(t, r.out, "in all")
			before := planOf(t, home, file)
			require.NotEmpty(t, before.Unrecorded)
			marked := 0
			for _, c := range before.Cues {
				if c.Unrecorded {
					marked++
				}
			}
			assert.Positive(t, marked)
			kinds := map[string]bool{}
			for _, e := range before.Exercises {
				switch {
				case e.Alternate:
					kinds["alternate"] = true
				case len(e.Sides) == 1:
					kinds["one side"] = true
				case len(e.Sides) == 2:
					kinds["both sides"] = true
				}
			}
			assert.Equal(t, map[string]bool{"alternate": true, "one side": true, "both sides": true}, kinds)

			// render: records what is missing first, then plays what plan says.
			wav := filepath.Join(home, id+".wav")
			r = coachExec(t, home, nil, "render", file, "-o", wav)
			require.Equal(t, 0, r.code, r.err)
			assert.Contains(t, r.err, "with festival cmu_us_slt_arctic_hts into "+filepath.Join(home, ".local", "share", "coach", "voice"))
			after := planOf(t, home, file)
			assert.Empty(t, after.Unrecorded, "everything is recorded now")
			assert.InDelta(t, before.DurationMS, after.DurationMS, float64(before.DurationMS)/50, "the estimate was within 2%")
			s, rate, _, err := voice.DecodeWAVFile(wav)
			require.NoError(t, err)
			assert.Equal(t, after.SampleRate, rate)
			assert.Equal(t, after.DurationMS, int64(len(s))*1000/int64(rate), "the WAV is as long as the plan")

			r = coachExec(t, home, nil, "render", file, "-o", wav)
			require.Equal(t, 0, r.code, r.err)
			assert.NotContains(t, r.err, "recording", "a second render records nothing")

			// run: by id from the scripts folder, fast and silent.
			r = coachExec(t, home, nil, "run", id, "--no-audio", "--speed", "50", "--companion", "off", "--no-checkin")
			require.Equal(t, 0, r.code, r.err)
			assert.Contains(t, r.out, "Session finished — ")
			assert.Contains(t, r.out, fmt.Sprintf("%d of %d exercises", len(after.Exercises), len(after.Exercises)))

			// Each variant plays too.
			variant := map[string]string{"neck-care": "against-wall", "low-back": "slow"}[id]
			only := map[string]string{"neck-care": "chin-tucks", "low-back": "cat-camel"}[id]
			p := planOf(t, home, file, "--variant", variant)
			found := false
			for _, e := range p.Exercises {
				found = found || e.Variant == variant
			}
			assert.True(t, found)
			r = coachExec(t, home, nil, "run", file, "--variant", variant, "--only", only, "--no-audio", "--speed", "50", "--companion", "off", "--no-checkin")
			require.Equal(t, 0, r.code, r.err)
			assert.NotContains(t, r.err, "recording")
		})
	}
}

// TestNoOfflineVoice: without any engine, seeing still works; playing
// stops with one message that names the words and what to install.
func TestNoOfflineVoice(t *testing.T) {
	home := t.TempDir()
	file := filepath.Join(home, "neck-care.yaml")
	src, err := os.ReadFile(filepath.Join("testdata", "routines", "neck-care.yaml"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(file, src, 0o644))
	noVoice := []string{"PATH=" + t.TempDir()}

	r := coachExec(t, home, noVoice, "plan", file)
	assert.Equal(t, 0, r.code, r.err)
	assert.Contains(t, r.out, "[to be recorded]")

	r = coachExec(t, home, noVoice, "validate", file)
	assert.Equal(t, 0, r.code, r.out)
	assert.Contains(t, r.out, "no offline voice is installed to record them: apt-get install festival festvox-us-slt-hts")

	for _, args := range [][]string{{"render", file, "-o", filepath.Join(home, "x.wav")}, {"run", file, "--no-audio", "--companion", "off"}} {
		r = coachExec(t, home, noVoice, args...)
		assert.Equal(t, 1, r.code)
		lines := strings.Split(strings.TrimSpace(r.err), "\n")
		require.Len(t, lines, 1, "one message: %s", r.err)
		assert.Contains(t, lines[0], "no offline voice is installed")
		assert.Contains(t, lines[0], `"Chin tucks" (tucks)`)
		assert.Contains(t, lines[0], "apt-get install festival festvox-us-slt-hts")
		assert.NotContains(t, lines[0], "coach voice bake neck-care", "a file path is never named by its id")
		assert.NoFileExists(t, filepath.Join(home, "x.wav"))
	}
}

// TestTemplateValidatesForAnyID: the template is valid whatever the id,
// including words no pack has.
func TestTemplateValidatesForAnyID(t *testing.T) {
	ids := []string{"my-neck", "knee-rehab", "my-routine", "a", "0", "x1", "zz-top-9", "shoulder-after-surgery",
		"physio-2024", "back", "upper-back-2", "rotator-cuff-week-3", "pilates-for-posture", "xyzzy", "q-q-q",
		"hip-and-knee-and-ankle-and-foot-and-toe-routine1"}
	cfg := t.TempDir()
	env := map[string]string{"XDG_CONFIG_HOME": cfg}
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			r := run(t, env, "new", id)
			require.Equal(t, 0, r.code, r.err)
			file := filepath.Join(cfg, "coach", "scripts", id+".yaml")
			r = run(t, env, "validate", file)
			assert.Equal(t, 0, r.code, r.out)
			assert.NotContains(t, r.out, "warning")
			r = run(t, env, "plan", id)
			assert.Equal(t, 0, r.code, r.err)
		})
	}
}

func TestValidateShadowedBuiltinAndPlaceholders(t *testing.T) {
	dir := t.TempDir()
	shadow := writeScript(t, dir, "mine.yaml", strings.Replace(okScript, "id: tiny", "id: upper-back", 1))
	r := run(t, nil, "validate", shadow)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.out, shadow+`:2:5: id "upper-back" is the built-in routine's id (the built-in upper-back.yaml); rename this one, e.g. my-upper-back`)

	typo := writeScript(t, dir, "typo.yaml", strings.Replace(okScript, "say: Hold.", "say: Hold for rep {repz}", 1))
	r = run(t, nil, "validate", typo)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.out, typo+":14:27: say: unknown placeholder {repz} (did you mean {rep}?)")
	assert.NotContains(t, r.out, "repz\"", "never offered for recording")
}

func TestHoldOutsideRangeNeedsForce(t *testing.T) {
	r := run(t, nil, "plan", "upper-back", "--only", "childs-pose", "--hold", "45s")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.err, "--hold 45s is outside the 15s to 30s hold prescribed for childs-pose")
	assert.Contains(t, r.err, "add --force to hold 45s anyway")
	r = run(t, nil, "plan", "upper-back", "--only", "childs-pose", "--hold", "45s", "--force")
	assert.Equal(t, 0, r.code, r.err)
	assert.Contains(t, r.out, "hold 45s")
	r = run(t, nil, "plan", "upper-back", "--only", "childs-pose", "--hold", "20s")
	assert.Equal(t, 0, r.code, r.err)
}
