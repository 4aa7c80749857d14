package activities

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
)

func TestKeepAliveHeartbeatsUntilStopped(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	var beats atomic.Int32
	env.SetOnActivityHeartbeatListener(func(*activity.Info, converter.EncodedValues) { beats.Add(1) })
	slow := func(ctx context.Context) (int32, error) {
		stop := keepAlive(ctx, 5*time.Millisecond)
		time.Sleep(60 * time.Millisecond)
		stop()
		n := beats.Load()
		time.Sleep(30 * time.Millisecond)
		if beats.Load() != n {
			t.Error("heartbeats went on after stop")
		}
		return n, nil
	}
	env.RegisterActivityWithOptions(slow, activity.RegisterOptions{Name: "Slow"})
	val, err := env.ExecuteActivity("Slow")
	if err != nil {
		t.Fatal(err)
	}
	var n int32
	if err := val.Get(&n); err != nil || n < 1 {
		t.Fatalf("a 60 ms wait at 5 ms intervals must heartbeat (the SDK throttles how many reach the server), got %d (%v)", n, err)
	}
}
