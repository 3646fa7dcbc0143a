package scenario

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lbpay-lab/dict-events/entry"
	"github.com/lbpay-lab/dict-events/entry/entrytest"
	"github.com/lbpay-lab/dict-events/events"
	eventsv1 "github.com/lbpay-lab/dict-events/events/v1"
	"github.com/lbpay-lab/dict-events/middleware"
	"github.com/lbpay-lab/dict-events/router"
)

// RetryThenSuccess: a handler that fails twice and then succeeds is called
// 3 times and the message is not poisoned. The proof of "not poisoned" is
// an event, not a wait: after the third call, a marker event on the same
// key is published whose handler fails permanently, so it is poisoned; the
// marker must be the first of this run's messages to reach the poison
// queue. Had the flaky event been poisoned, it would have got there first
// (it was handled, and would have been poisoned, before the marker was even
// published; on backends with order per key the poison queue keeps the
// key's order too).
func RetryThenSuccess(t *testing.T, b Backend) {
	e := newEnv(t, b, nil)
	p := e.producer()
	dlq := e.poisonQueue()

	var flakyCalls, markerCalls atomic.Int32
	thirdCall := make(chan struct{})
	e.startRouter("retry", e.main, router.Handlers{
		OnUpdated: func(ctx context.Context, ev *eventsv1.EntryUpdatedEvent) error {
			name, ok := e.mine(ctx)
			if !ok {
				return nil
			}
			switch name {
			case "retry/flaky":
				switch n := flakyCalls.Add(1); {
				case n <= 2:
					return fmt.Errorf("flaky handler: failure %d", n)
				case n == 3:
					close(thirdCall)
				}
				return nil
			case "retry/marker":
				markerCalls.Add(1)
				return middleware.Permanent(errors.New("marker: poison me"))
			}
			t.Errorf("unexpected event %q", name)
			return nil
		},
	})

	en := entrytest.Entry(entry.KeyTypeEmail, 1)
	if err := p.PublishUpdated(e.ctx("retry/flaky"), en, userID); err != nil {
		t.Fatal(err)
	}
	e.await(thirdCall, func() string { return fmt.Sprintf("the flaky handler's third call (%d calls)", flakyCalls.Load()) })

	marker := *en
	marker.OwnerName = "Marcador"
	if err := p.PublishUpdated(e.ctx("retry/marker"), &marker, userID); err != nil {
		t.Fatal(err)
	}
	select {
	case m, ok := <-dlq:
		if !ok {
			t.Fatal("poison queue subscription ended")
		}
		if got := m.Metadata.Get(events.MetadataCorrelationID); got != e.run+"/retry/marker" {
			t.Fatalf("first poisoned message is %s, want the marker: the flaky event was poisoned (reason %q)",
				got, m.Metadata.Get(middleware.MetadataPoisonReason))
		}
		if got := m.Metadata.Get(middleware.MetadataPoisonAttempts); got != "1" {
			t.Errorf("marker poisoned after %s attempts, want 1 (permanent)", got)
		}
	case <-time.After(b.Timeout):
		t.Fatalf("%s: the marker did not reach the poison queue within %v", b.Name, b.Timeout)
	}
	if n := flakyCalls.Load(); n != 3 {
		t.Errorf("flaky handler called %d times, want 3 (2 failures, 1 success)", n)
	}
	if n := markerCalls.Load(); n != 1 {
		t.Errorf("marker handler called %d times, want 1", n)
	}
}
