package activities

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"
)

// heartbeatEvery is well inside the fetch's HeartbeatTimeout (workflows.FetchActivityOptions).
const heartbeatEvery = 15 * time.Second

// keepAlive heartbeats until stop is called, so a page fetch that waits on a vendor's rate
// limit is not taken for a dead worker, while a worker that really died is noticed within
// the heartbeat timeout instead of the whole StartToClose.
func keepAlive(ctx context.Context, every time.Duration) (stop func()) {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				activity.RecordHeartbeat(ctx)
			}
		}
	}()
	return func() { close(done) }
}
