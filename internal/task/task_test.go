package task

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestStopCancelsAndWaits(t *testing.T) {
	g := NewGroup()
	var done atomic.Int32
	for range 3 {
		g.Go(func(ctx context.Context) {
			<-ctx.Done()
			time.Sleep(10 * time.Millisecond)
			done.Add(1)
		})
	}
	g.Stop()
	if n := done.Load(); n != 3 {
		t.Fatalf("Stop returned with %d of 3 goroutines done", n)
	}
	g.Stop() // twice is fine
	ran := make(chan error, 1)
	g.Go(func(ctx context.Context) { ran <- ctx.Err() })
	if err := <-ran; err == nil {
		t.Fatal("a goroutine started after Stop got a live context")
	}
}
