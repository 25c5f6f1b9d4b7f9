package companion

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every page is greeted with the session, the control table and the phase
// labels of the domain, before any state.
func TestHelloCarriesTheDomainTables(t *testing.T) {
	s := startServer(t, Options{Hello: Hello{Session: "abc", Routine: "upper-back", Title: "Upper back"}}, nil)
	s.Publish(coach.State{Seq: 1, Routine: "upper-back"})
	c, resp, err := dialer.Dial(wsURL(s, ""), nil)
	require.NoError(t, err, "dial: %v", resp)
	defer c.Close()
	h := readHello(t, c)
	assert.Equal(t, "abc", h.Session)
	assert.Equal(t, coach.Controls, h.Controls)
	assert.Equal(t, "Breathe in", h.Phases["breathe-in"])
	assert.Equal(t, typeState, read(t, c).Type, "then the snapshot")
}

// The record reaches every page once the session has ended: those
// connected, after the final state, and those that connect later.
func TestSummaryReachesEveryPage(t *testing.T) {
	s := startServer(t, Options{}, nil)
	early := dial(t, s, nil)
	waitClients(t, s, 1)
	s.Publish(coach.State{Seq: 7, Stopped: true})
	rec := coach.Record{ID: "r1", Routine: "upper-back", Status: coach.StatusStopped,
		Exercises: []coach.ExerciseRecord{{ID: "a", PlannedTotal: 10, DoneReps: 4, Skipped: true}}}
	require.NoError(t, s.Summary(rec, map[string]any{"streak_days": 3}))
	var got []msg
	for len(got) < 2 {
		m := read(t, early)
		got = append(got, m)
	}
	assert.Equal(t, typeState, got[0].Type)
	assert.Equal(t, uint64(7), got[0].Seq)
	assert.Equal(t, typeSummary, got[1].Type, "the summary follows the final state")

	late := dial(t, s, nil)
	var types []string
	var summary struct {
		Record  coach.Record   `json:"record"`
		History map[string]int `json:"history"`
	}
	for len(types) < 2 {
		late.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, b, err := late.ReadMessage()
		require.NoError(t, err)
		var m msg
		require.NoError(t, json.Unmarshal(b, &m))
		types = append(types, m.Type)
		if m.Type == typeSummary {
			require.NoError(t, json.Unmarshal(b, &summary))
		}
	}
	assert.ElementsMatch(t, []string{typeState, typeSummary}, types)
	assert.Equal(t, rec, summary.Record)
	assert.Equal(t, 3, summary.History["streak_days"])
}
