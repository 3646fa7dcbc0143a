// A use case that owns entries publishes an event after each change, and a
// consumer handles it through the router, on one in-process bus.
//
//	go run ./examples/usecase_integration
package main

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/lbpay-lab/dict-events/broker"
	"github.com/lbpay-lab/dict-events/entry"
	"github.com/lbpay-lab/dict-events/entry/entrytest"
	eventsv1 "github.com/lbpay-lab/dict-events/events/v1"
	"github.com/lbpay-lab/dict-events/middleware"
	"github.com/lbpay-lab/dict-events/publisher"
	"github.com/lbpay-lab/dict-events/router"
)

// CreateEntry is the use case: store the entry, then announce it.
type CreateEntry struct {
	Events *publisher.EntryEventProducer
}

// Execute validates through the producer: an invalid entry is refused.
func (uc CreateEntry) Execute(ctx context.Context, e *entry.Entry, userID string) error {
	// ... persist e in the entry store here ...
	if err := uc.Events.PublishCreated(ctx, e, userID); err != nil {
		return fmt.Errorf("announce entry %s: %w", e.ID, err)
	}
	return nil
}

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	bus, err := broker.Open(broker.Config{URL: "mem://"}, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer bus.Close()

	handled := make(chan string, 1)
	r, err := router.New(router.Config{}, bus.Subscriber, bus.Publisher, router.Handlers{
		OnCreated: func(ctx context.Context, ev *eventsv1.EntryCreatedEvent) error {
			id, _ := middleware.CorrelationIDFromContext(ctx)
			handled <- fmt.Sprintf("entry %s created (event %s, correlation %s)", ev.Entry.Id, ev.EventId, id)
			return nil
		},
	}, nil)
	if err != nil {
		log.Fatal(err)
	}
	go func() { _ = r.Run(ctx) }()
	<-r.Running()
	defer r.Close()

	producer, err := publisher.New(bus.Publisher, publisher.DefaultConfig())
	if err != nil {
		log.Fatal(err)
	}
	defer producer.Close()

	uc := CreateEntry{Events: producer}
	reqCtx := middleware.WithCorrelationID(ctx, "request-42")
	if err := uc.Execute(reqCtx, entrytest.Entry(entry.KeyTypeEVP, 1), "user-123"); err != nil {
		log.Fatal(err)
	}
	select {
	case s := <-handled:
		log.Print(s)
	case <-ctx.Done():
		log.Fatal("event not handled in time")
	}
}
