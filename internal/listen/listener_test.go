//go:build pocketsphinx

package listen

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fileMic plays samples as a microphone would, in real time, then blocks
// until closed (or fails with err when it runs out).
type fileMic struct {
	pcm    []int16
	err    error
	hang   bool
	mu     sync.Mutex
	closed bool
	stop   chan struct{}
}

func (m *fileMic) Read(buf []int16) (int, error) {
	if len(m.pcm) == 0 {
		if m.err != nil {
			return 0, m.err
		}
		if m.hang {
			<-m.stop // a device that never returns
		}
		time.Sleep(time.Duration(len(buf)) * time.Second / Rate)
		clear(buf)
		return len(buf), nil
	}
	n := copy(buf, m.pcm)
	m.pcm = m.pcm[n:]
	time.Sleep(time.Duration(n) * time.Second / Rate)
	return n, nil
}

func (m *fileMic) Close() error {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	return nil
}

func (m *fileMic) isClosed() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.closed
}

func phraseFor(t *testing.T, c coach.Command) Phrase {
	for _, p := range Phrases() {
		if p.Command == c {
			return p
		}
	}
	t.Fatalf("no phrase for %s", c)
	return Phrase{}
}

// A command said in a gap reaches the session and is told as heard; one
// said over the coach is ignored unless it may interrupt.
func TestListenerSendsCommands(t *testing.T) {
	pcm, err := readPCM("testdata/commands/festival-slt-hts_1.20_skip-it.wav")
	require.NoError(t, err)
	tests := []struct {
		name     string
		speaking bool
		want     []coach.Command
	}{
		{"in a gap", false, []coach.Command{coach.CmdNext}},
		{"over the coach", true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := newRecogniser(DefaultModel, Phrases()) // the listener closes it
			require.NoError(t, err)
			mic := &fileMic{pcm: inRoom(pcm, 0, 1), stop: make(chan struct{})}
			length := time.Duration(len(mic.pcm)) * time.Second / Rate
			var mu sync.Mutex
			var sent []coach.Command
			var heard []Heard
			send := func(c coach.Command) bool { mu.Lock(); sent = append(sent, c); mu.Unlock(); return true }
			// One cue the whole test long, or none.
			tl := &coach.Timeline{Rate: 1000, Length: 600000}
			if tt.speaking {
				tl.Cues = []coach.Cue{{At: 0, End: 600000, Text: "Breathe in."}}
			}
			l := start(context.Background(), send, Options{Timeline: tl, OnHeard: func(h Heard) { mu.Lock(); heard = append(heard, h); mu.Unlock() }}, r, mic)
			l.State(coach.State{Frame: 0})
			time.Sleep(length + 800*time.Millisecond)
			require.NoError(t, l.Close())
			assert.True(t, mic.isClosed())
			mu.Lock()
			defer mu.Unlock()
			assert.Equal(t, tt.want, sent)
			if tt.want != nil {
				require.Len(t, heard, 1)
				assert.Equal(t, "Heard: "+phraseFor(t, coach.CmdNext).Words, heard[0].Text())
				assert.Less(t, heard[0].Latency, time.Second)
			}
		})
	}
}

func TestListenerClose(t *testing.T) {
	t.Run("a microphone that fails", func(t *testing.T) {
		r, err := newRecogniser(DefaultModel, Phrases())
		require.NoError(t, err)
		mic := &fileMic{err: errors.New("device unplugged"), stop: make(chan struct{})}
		l := start(context.Background(), func(coach.Command) bool { return true }, Options{}, r, mic)
		time.Sleep(50 * time.Millisecond)
		err = l.Close()
		require.Error(t, err)
		assert.Equal(t, "listening stopped: device unplugged", err.Error())
		assert.Equal(t, err, l.Close(), "Close twice")
	})
	t.Run("a microphone that hangs", func(t *testing.T) {
		r, err := newRecogniser(DefaultModel, Phrases())
		require.NoError(t, err)
		mic := &fileMic{hang: true, stop: make(chan struct{})}
		l := start(context.Background(), func(coach.Command) bool { return true }, Options{}, r, mic)
		time.Sleep(50 * time.Millisecond)
		t0 := time.Now()
		err = l.Close()
		assert.Less(t, time.Since(t0), closeWait+500*time.Millisecond)
		require.Error(t, err)
		close(mic.stop) // the device comes back: the reader lets it go
		assert.Eventually(t, mic.isClosed, 5*time.Second, 10*time.Millisecond)
	})
}

// The decoy's words are common words, never the wake word or a command's.
func TestDecoyGrammar(t *testing.T) {
	ps := Phrases()
	ds := decoyWords(ps)
	assert.Greater(t, len(ds), 80)
	for _, w := range words(ps) {
		assert.NotContains(t, ds, w)
	}
	g := decoyGrammar(ps)
	assert.Contains(t, g, "public <heard> = coach ( pause |")
	assert.Contains(t, g, "<other> = ( the | be |")
}
