package fortnox

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPacersSharePerTenant(t *testing.T) {
	ps := NewPacers(0, 0)
	a := ps.For("acme")
	require.Same(t, a, ps.For("acme"))
	require.NotSame(t, a, ps.For("other"))
	require.Equal(t, 24, a.Limit())
	require.Equal(t, 5*time.Second, a.Window())
}

func TestPacerCountsInFlightRequests(t *testing.T) {
	// Two requests still in flight fill a 2-slot window: the third waits (here until its
	// context ends) rather than being sent.
	p := NewPacer(2, time.Hour)
	for range 2 {
		_, release, err := p.Acquire(context.Background())
		require.NoError(t, err)
		defer release()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, _, err := p.Acquire(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestPacerFreesASlotOneWindowAfterTheResponse(t *testing.T) {
	// A fake clock stuck 1 ms short of the window: no slot, however long we wait in real
	// time. One more millisecond on the clock and the slot is free.
	now := time.Unix(1000, 0)
	p := NewPacer(1, time.Second)
	p.now = func() time.Time { return now }
	_, release, err := p.Acquire(context.Background())
	require.NoError(t, err)
	release()
	now = now.Add(999 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, _, err = p.Acquire(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded, "still inside the window")
	now = now.Add(time.Millisecond)
	_, release, err = p.Acquire(context.Background())
	require.NoError(t, err, "the window has passed")
	release()
}
