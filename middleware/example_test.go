package middleware_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/lbpay-lab/dict-events/broker"
	"github.com/lbpay-lab/dict-events/entry"
	"github.com/lbpay-lab/dict-events/entry/entrytest"
	"github.com/lbpay-lab/dict-events/events"
	"github.com/lbpay-lab/dict-events/middleware"
	"github.com/lbpay-lab/dict-events/publisher"
)

// Permanent marks an error that retrying cannot fix: Retry gives up after
// the first attempt (and the router's poison queue takes the message).
// The original error stays matchable.
func ExamplePermanent() {
	errUnknownISPB := errors.New("unknown ISPB")
	err := middleware.Permanent(fmt.Errorf("entry 42: %w", errUnknownISPB))
	fmt.Println(middleware.IsPermanent(err), errors.Is(err, errUnknownISPB))
	fmt.Println(middleware.Permanent(nil) == nil)

	retry, _ := middleware.NewRetry(middleware.DefaultRetryConfig())
	calls := 0
	handler := retry(func(*message.Message) ([]*message.Message, error) {
		calls++
		return nil, err
	})
	_, herr := handler(message.NewMessage("event-1", nil))
	var ae *middleware.AttemptsError
	fmt.Println(calls, errors.As(herr, &ae) && ae.Attempts == 1)
	// Output:
	// true true
	// true
	// 1 true
}

// The delays are exact, without jitter: InitialInterval, then times
// Multiplier, capped at MaxInterval.
func ExampleRetryConfig_Delay() {
	c := middleware.DefaultRetryConfig()
	for n := 1; n <= c.Retries(); n++ {
		fmt.Println(c.Delay(n))
	}
	// Output:
	// 1s
	// 2s
	// 4s
}

// A context with a correlation ID hands it to the producer, which puts it on
// every event it publishes; the router's handlers get it back in their ctx.
func ExampleWithCorrelationID() {
	ctx := middleware.WithCorrelationID(context.Background(), "request-7f3a")
	id, ok := middleware.CorrelationIDFromContext(ctx)
	fmt.Println(id, ok)

	backend, err := broker.Open(broker.Config{URL: "mem://"}, nil)
	if err != nil {
		panic(err)
	}
	defer backend.Close()
	messages, err := backend.Subscriber.Subscribe(ctx, events.TopicEntryCreated)
	if err != nil {
		panic(err)
	}
	producer, err := publisher.New(backend.Publisher, publisher.DefaultConfig())
	if err != nil {
		panic(err)
	}
	defer producer.Close()
	if err := producer.PublishCreated(ctx, entrytest.Entry(entry.KeyTypeCPF, 1), "user-1"); err != nil {
		panic(err)
	}
	msg := <-messages
	msg.Ack()
	fmt.Println(msg.Metadata.Get(events.MetadataCorrelationID))
	// Output:
	// request-7f3a true
	// request-7f3a
}
