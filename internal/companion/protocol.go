package companion

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/coach-dev/coach/coach"
)

// The websocket protocol (PROTOCOL.md has it in prose). Every frame is one
// JSON object with a "type".
const (
	typeHello   = "hello"   // server → page: first, once: the session, its controls and phase labels
	typeSummary = "summary" // server → page: the session's record when it has ended
	typeState   = "state"   // server → page: the full snapshot
	typeCue     = "cue"     // server → page: a prompt as it is heard
	typeHeard   = "heard"   // server → page: a spoken command was taken ("Heard: pause"); shaped like a cue
	typeError   = "error"   // server → page: the last message was not understood
	typeCommand = "command" // page → server: the same commands as the keyboard
)

// maxMessage is the largest frame a page may send; a bigger one closes the
// connection (close code 1009).
const maxMessage = 4096

// Hello is what a page needs before the first state: which session this
// is (a new id means a new session on the same address), the controls to
// build its buttons and keys from, and the phase labels. It comes from the
// domain's tables, never a copy.
type Hello struct {
	Session  string          `json:"session"`
	Version  string          `json:"version"`
	Routine  string          `json:"routine"`
	Title    string          `json:"title"`
	Controls []coach.Control `json:"controls"`
	// Listening says coach takes spoken commands (--listen), so the page
	// tells what to say for each control.
	Listening bool              `json:"listening"`
	Phases    map[string]string `json:"phases"`
}

type helloMsg struct {
	Type string `json:"type"`
	Hello
}

// summaryMsg is the session's record once it has ended, with the history's
// view of it (streak, this week) when a history is kept.
type summaryMsg struct {
	Type    string       `json:"type"`
	Record  coach.Record `json:"record"`
	History any          `json:"history,omitempty"`
}

// stateMsg is the full state, flattened: {"type":"state","seq":..,...}.
type stateMsg struct {
	Type string `json:"type"`
	coach.State
}

// cueMsg announces a prompt as it is heard: at_ms is the session time of
// the state whose caption it became, seq that state's sequence number.
type cueMsg struct {
	Type    string `json:"type"`
	Text    string `json:"text"`
	AtMS    int64  `json:"at_ms"`
	Seq     uint64 `json:"seq"`
	Command string `json:"command,omitempty"` // heard: the command taken
}

type errorMsg struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

// commandMsg is what a page sends.
type commandMsg struct {
	Type    string `json:"type"`
	Command string `json:"command"`
}

func encodeState(st *coach.State) []byte {
	b, err := json.Marshal(stateMsg{Type: typeState, State: *st})
	if err != nil { // a State is plain data; this cannot happen
		panic(err)
	}
	return b
}

func encodeHello(h Hello) []byte {
	b, err := json.Marshal(helloMsg{Type: typeHello, Hello: h})
	if err != nil { // plain data
		panic(err)
	}
	return b
}

func encodeSummary(rec coach.Record, history any) ([]byte, error) {
	return json.Marshal(summaryMsg{Type: typeSummary, Record: rec, History: history})
}

func encodeCue(m cueMsg) []byte {
	b, _ := json.Marshal(m)
	return b
}

func encodeError(msg string) []byte {
	b, _ := json.Marshal(errorMsg{Type: typeError, Message: msg})
	return b
}

// decodeCommand reads a page's message. The error is what the page is told;
// the connection stays open.
func decodeCommand(data []byte) (coach.Command, error) {
	var m commandMsg
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&m); err != nil {
		return "", fmt.Errorf("malformed message: %v", err)
	}
	if dec.More() {
		return "", fmt.Errorf("malformed message: one JSON object per frame")
	}
	if m.Type != typeCommand {
		return "", fmt.Errorf(`unknown message type %q; send {"type":"command","command":"pause"}`, m.Type)
	}
	cmd, err := coach.ParseCommand(m.Command)
	if err != nil {
		return "", err
	}
	return cmd, nil
}
