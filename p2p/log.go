package p2p

import (
	"context"
	"log/slog"
)

// quietHandler demotes to debug level the warnings gossipsub emits per
// message under load, which would otherwise flood the node's log during
// every burst:
//
//   - "error bumping delivery tag": the connection manager's tag queue
//     (128 entries) is full; only connection-trimming priority is lost.
type quietHandler struct{ slog.Handler }

var demoted = map[string]bool{
	"error bumping delivery tag": true,
}

func (q quietHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level > slog.LevelDebug && demoted[r.Message] {
		if !q.Handler.Enabled(ctx, slog.LevelDebug) {
			return nil
		}
		r.Level = slog.LevelDebug
	}
	return q.Handler.Handle(ctx, r)
}

func (q quietHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return quietHandler{q.Handler.WithAttrs(as)}
}

func (q quietHandler) WithGroup(name string) slog.Handler {
	return quietHandler{q.Handler.WithGroup(name)}
}
