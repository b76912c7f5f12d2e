// Package task runs a component's goroutines as one group: each gets the
// group's context, and Stop cancels it and waits for all of them. The
// node's subsystems each own one, so their Stop is always "cancel, then
// wait".
package task

import (
	"context"
	"sync"
)

// Group is a set of goroutines with one context. The zero value is not
// usable: make one with NewGroup.
type Group struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewGroup returns a running group.
func NewGroup() *Group {
	ctx, cancel := context.WithCancel(context.Background())
	return &Group{ctx: ctx, cancel: cancel}
}

// Context is cancelled by Stop.
func (g *Group) Context() context.Context { return g.ctx }

// Go runs fn on a goroutine of the group with the group's context. After
// Stop, fn still runs, with a cancelled context (so a late Go never leaks
// past its caller's own wait for it).
func (g *Group) Go(fn func(ctx context.Context)) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		fn(g.ctx)
	}()
}

// Stop cancels the group's context and waits for its goroutines. Safe to
// call twice.
func (g *Group) Stop() {
	g.cancel()
	g.wg.Wait()
}
