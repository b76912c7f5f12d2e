package desk

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/anonex/anonex/api"
	"github.com/anonex/anonex/ledger"
)

// TestSweepBoundsSessions: running payments are never forgotten; finished
// ones go after keepFinished, and beyond maxKept the oldest finished go
// first.
func TestSweepBoundsSessions(t *testing.T) {
	now := time.Now()
	ts := terminalState{sessions: map[string]*session{}}
	add := func(id string, ended time.Time) {
		ts.sessions[id] = &session{view: api.TerminalPayment{ID: id}, ended: ended}
	}
	add("running", time.Time{})
	add("stale", now.Add(-keepFinished-time.Second))
	for i := 0; i < maxKept+5; i++ {
		add(fmt.Sprintf("done-%03d", i), now.Add(-time.Duration(maxKept+5-i)*time.Second)) // done-000 oldest
	}
	live := ts.sweep(now)
	if len(live) != 1 || live[0].view.ID != "running" {
		t.Fatalf("running: %d", len(live))
	}
	if ts.sessions["stale"] != nil {
		t.Error("a payment finished longer ago than keepFinished is still kept")
	}
	if len(ts.sessions) != maxKept-1 {
		t.Errorf("%d payments kept, want %d (room for one more)", len(ts.sessions), maxKept-1)
	}
	for i := 0; i < 7; i++ {
		if ts.sessions[fmt.Sprintf("done-%03d", i)] != nil {
			t.Errorf("done-%03d, among the oldest, is kept", i)
		}
	}
	if ts.sessions[fmt.Sprintf("done-%03d", maxKept+4)] == nil || ts.sessions["running"] == nil {
		t.Error("the newest finished payment or the running one was dropped")
	}
}

// TestSettingsRefused: a desk without a terminal, or with settings that
// lack what a terminal needs, answers no_terminal in words.
func TestSettingsRefused(t *testing.T) {
	for name, cfg := range map[string]Config{
		"none":    {},
		"failing": {Terminal: func() (TerminalSettings, error) { return TerminalSettings{}, errors.New("no terminal.json") }},
		"no payee": {Terminal: func() (TerminalSettings, error) {
			return TerminalSettings{Trusted: []ledger.Address{{1}}, Queue: "q"}, nil
		}},
		"no queue": {Terminal: func() (TerminalSettings, error) {
			return TerminalSettings{Payee: ledger.Address{2}, Trusted: []ledger.Address{{1}}}, nil
		}},
	} {
		_, err := New(cfg).settings()
		var ae *api.Error
		if !errors.As(err, &ae) || ae.Code != api.CodeNoTerminal || ae.Message == "" {
			t.Errorf("%s: %v", name, err)
		}
	}
	ok := Config{Terminal: func() (TerminalSettings, error) {
		return TerminalSettings{Payee: ledger.Address{2}, Trusted: []ledger.Address{{1}}, Queue: "q"}, nil
	}}
	if _, err := New(ok).settings(); err != nil {
		t.Errorf("complete settings: %v", err)
	}
}
