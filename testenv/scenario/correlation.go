package scenario

import (
	"context"
	"fmt"
	"testing"

	"github.com/lbpay-lab/dict-events/entry/entrytest"
	"github.com/lbpay-lab/dict-events/events"
	eventsv1 "github.com/lbpay-lab/dict-events/events/v1"
	"github.com/lbpay-lab/dict-events/router"
)

// Correlation: the correlation ID set at publish reaches the handler's
// context, and an event the handler publishes with a producer and that
// context carries the same ID to the next handler.
func Correlation(t *testing.T, b Backend) {
	const chains = 20
	e := newEnv(t, b, nil)
	p := e.producer()
	created := newTally[string](chains)
	followed := newTally[string](chains)
	e.startRouter("correlation", e.main, router.Handlers{
		OnCreated: func(ctx context.Context, ev *eventsv1.EntryCreatedEvent) error {
			name, ok := e.mine(ctx)
			if !ok {
				return nil
			}
			if _, ok := index(name, "corr/", chains); !ok {
				t.Errorf("unexpected created event %q", name)
				return nil
			}
			// The handler reacts by publishing an update with its own ctx.
			next := events.EntryFromProto(ev.GetEntry())
			next.OwnerName += " (seguinte)"
			if err := p.PublishUpdated(ctx, next, userID); err != nil {
				return err
			}
			created.add(name, ev.GetEventId())
			return nil
		},
		OnUpdated: func(ctx context.Context, ev *eventsv1.EntryUpdatedEvent) error {
			name, ok := e.mine(ctx)
			if !ok {
				return nil
			}
			if _, ok := index(name, "corr/", chains); !ok {
				t.Errorf("unexpected updated event %q", name)
				return nil
			}
			followed.add(name, ev.GetEventId())
			return nil
		},
	})
	entries := entrytest.Entries(chains)
	for i, en := range entries {
		if err := p.PublishCreated(e.ctx(fmt.Sprintf("corr/%d", i)), en, userID); err != nil {
			t.Fatal(err)
		}
	}
	created.wait(e, "created events with their correlation IDs")
	followed.wait(e, "events published by the handler carrying the same correlation IDs")
}
