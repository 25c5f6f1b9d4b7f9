package coach_test

import (
	"testing"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/scripts"
	"github.com/coach-dev/coach/voice"
	"github.com/stretchr/testify/require"
)

// BenchmarkCompileBuiltin compiles the built-in routine with the real pack
// (target: under 5 ms).
func BenchmarkCompileBuiltin(b *testing.B) {
	rs, err := coach.LoadBuiltin(scripts.FS)
	require.NoError(b, err)
	pack, err := voice.Default()
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := coach.Compile(rs[0], pack, coach.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoadBuiltin(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := coach.LoadBuiltin(scripts.FS); err != nil {
			b.Fatal(err)
		}
	}
}
