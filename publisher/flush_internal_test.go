package publisher

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Flush must not be held up by publish calls that start after it: under
// steady concurrent publishing something is always in flight, and a Flush
// that waited for "nothing in flight" would never return.
func TestFlushIsNotHeldUpByLaterPublishes(t *testing.T) {
	p := newProducer(nil, Config{})
	a, err := p.begin()
	require.NoError(t, err)

	p.mu.Lock()
	flushPoint := p.next // what Flush snapshots when called now
	p.mu.Unlock()
	b, err := p.begin() // starts after the Flush point and stays in flight
	require.NoError(t, err)

	flushed := make(chan struct{})
	go func() {
		p.mu.Lock()
		p.waitLocked(flushPoint)
		p.mu.Unlock()
		close(flushed)
	}()
	select {
	case <-flushed:
		t.Fatal("returned while a call from before the flush point was in progress")
	default:
	}
	p.end(a)
	select {
	case <-flushed:
	case <-time.After(5 * time.Second):
		t.Fatal("Flush waited for a publish that started after it")
	}
	p.end(b)
}
