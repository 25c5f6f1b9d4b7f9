package voice

import (
	"io"
	"testing"
	"time"
)

// BenchmarkMixer measures a pull of 479 frames while three clips overlap
// (target: 0 allocations).
func BenchmarkMixer(b *testing.B) {
	clip := tone(DefaultRate*10, 0.1)
	m := NewMixer([]Placement{{At: 0, Clip: clip}, {At: 100, Clip: clip}, {At: 200, Clip: clip}}, 1<<40, 1)
	buf := make([]float32, 479)
	m.Stream(buf[:300])
	b.ReportAllocs()
	for b.Loop() {
		m.Stream(buf)
		if m.Position() > int64(DefaultRate*9) {
			m.SeekFrame(300)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(buf)), "ns/frame")
}

// BenchmarkRender renders 20 minutes of a sparse timeline (a prompt every
// 3 s) to 16-bit PCM and reports how many times faster than real time.
func BenchmarkRender(b *testing.B) {
	clip := tone(DefaultRate, 0.1)
	length := int64(20 * 60 * DefaultRate)
	var ps []Placement
	for at := int64(0); at < length; at += 3 * DefaultRate {
		ps = append(ps, Placement{At: at, Clip: clip})
	}
	buf := make([]byte, 8192)
	for b.Loop() {
		r := Int16Reader(NewMixer(ps, length, 1), 1)
		if _, err := io.CopyBuffer(io.Discard, io.LimitReader(r, length*2), buf); err != nil {
			b.Fatal(err)
		}
	}
	perRun := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(20*time.Minute)/float64(perRun), "x-realtime")
}
