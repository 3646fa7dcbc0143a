package router_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lbpay-lab/dict-events/broker"
	"github.com/lbpay-lab/dict-events/entry"
	"github.com/lbpay-lab/dict-events/entry/entrytest"
	"github.com/lbpay-lab/dict-events/events"
	eventsv1 "github.com/lbpay-lab/dict-events/events/v1"
	"github.com/lbpay-lab/dict-events/middleware"
	"github.com/lbpay-lab/dict-events/publisher"
	"github.com/lbpay-lab/dict-events/router"
)

// A router calls a typed handler for each event. On mem:// the router, the
// poison queue and the producer share one broker.Backend: a second
// broker.Open would be a second, separate bus.
func ExampleNew() {
	backend, err := broker.Open(broker.Config{URL: "mem://"}, nil)
	if err != nil {
		panic(err)
	}
	defer backend.Close() // the router does not close it

	handled := make(chan struct{})
	r, err := router.New(router.Config{}, backend.Subscriber, backend.Publisher, router.Handlers{
		OnCreated: func(ctx context.Context, ev *eventsv1.EntryCreatedEvent) error {
			fmt.Println("created:", ev.GetEntry().GetKeyType())
			close(handled)
			return nil
		},
	}, nil)
	if err != nil {
		panic(err)
	}
	go func() { _ = r.Run(context.Background()) }()
	defer r.Close()
	<-r.Running()

	producer, err := publisher.New(backend.Publisher, publisher.DefaultConfig())
	if err != nil {
		panic(err)
	}
	defer producer.Close()
	if err := producer.PublishCreated(context.Background(), entrytest.Entry(entry.KeyTypeEVP, 1), "user-1"); err != nil {
		panic(err)
	}

	select {
	case <-handled:
	case <-time.After(10 * time.Second):
		fmt.Println("not handled")
	}
	// Output:
	// created: KEY_TYPE_EVP
}

// A handler that can never handle an event returns middleware.Permanent: the
// message goes to the poison queue at once, without retries, with its
// payload and metadata and the reason.
func ExampleNew_permanent() {
	backend, err := broker.Open(broker.Config{URL: "mem://"}, nil)
	if err != nil {
		panic(err)
	}
	defer backend.Close()

	errNotOurs := errors.New("entry belongs to another participant")
	r, err := router.New(router.Config{}, backend.Subscriber, backend.Publisher, router.Handlers{
		OnDeleted: func(ctx context.Context, ev *eventsv1.EntryDeletedEvent) error {
			return middleware.Permanent(errNotOurs)
		},
	}, nil)
	if err != nil {
		panic(err)
	}
	go func() { _ = r.Run(context.Background()) }()
	defer r.Close()
	<-r.Running()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dlq, err := backend.Subscriber.Subscribe(ctx, events.TopicDLQ)
	if err != nil {
		panic(err)
	}

	producer, err := publisher.New(backend.Publisher, publisher.DefaultConfig())
	if err != nil {
		panic(err)
	}
	defer producer.Close()
	e := entrytest.Entry(entry.KeyTypeCNPJ, 1)
	if err := producer.PublishDeletedImmediate(ctx, e.ID, e.KeyValue, e.KeyType, e.ISPB, "user-1"); err != nil {
		panic(err)
	}

	msg, ok := <-dlq
	if !ok {
		fmt.Println("nothing poisoned")
		return
	}
	msg.Ack()
	fmt.Println("permanent:", msg.Metadata.Get(middleware.MetadataPoisonPermanent))
	fmt.Println("attempts:", msg.Metadata.Get(middleware.MetadataPoisonAttempts))
	fmt.Println("topic:", msg.Metadata.Get(middleware.MetadataPoisonTopic))
	fmt.Println("reason:", msg.Metadata.Get(middleware.MetadataPoisonReason))
	// Output:
	// permanent: true
	// attempts: 1
	// topic: dict.entries.deleted.immediate
	// reason: entry belongs to another participant
}
