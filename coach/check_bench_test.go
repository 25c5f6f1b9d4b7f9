package coach_test

import (
	"testing"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/scripts"
	"github.com/coach-dev/coach/voice"
	"github.com/stretchr/testify/require"
)

// BenchmarkCheckBuiltin is `coach validate upper-back` without the CLI:
// every trial of the built-in routine against the real pack, with
// estimates; compare with BenchmarkCompileBuiltin, one compile.
func BenchmarkCheckBuiltin(b *testing.B) {
	rs, err := coach.LoadBuiltin(scripts.FS)
	require.NoError(b, err)
	pack, err := voice.Default()
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if rep := coach.Check(rs[0], pack); len(rep.Errors) > 0 {
			b.Fatal(rep.Errors)
		}
	}
}
