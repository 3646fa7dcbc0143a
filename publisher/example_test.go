package publisher_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/lbpay-lab/dict-events/broker"
	"github.com/lbpay-lab/dict-events/entry"
	"github.com/lbpay-lab/dict-events/entry/entrytest"
	"github.com/lbpay-lab/dict-events/events"
	eventsv1 "github.com/lbpay-lab/dict-events/events/v1"
	"github.com/lbpay-lab/dict-events/publisher"
)

// The producer opens the backend its URL names and owns it: Close closes it.
// On mem:// that bus is private to the producer; see ExampleNew to consume
// what is published in the same process.
func ExampleNewEntryEventProducer() {
	producer, err := publisher.NewEntryEventProducer("mem://") // or pulsar://host:6650, kafka://host:9092
	if err != nil {
		panic(err)
	}
	defer producer.Close()

	e := entrytest.Entry(entry.KeyTypeEmail, 1)
	if err := producer.PublishCreated(context.Background(), e, "user-1"); err != nil {
		panic(err)
	}
	fmt.Println("published")
	// Output:
	// published
}

// New puts a producer over a publisher the caller owns, here the embedded
// bus of a broker.Backend that a subscriber in the same process reads.
func ExampleNew() {
	backend, err := broker.Open(broker.Config{URL: "mem://"}, nil)
	if err != nil {
		panic(err)
	}
	defer backend.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	messages, err := backend.Subscriber.Subscribe(ctx, publisher.TopicEntryCreated)
	if err != nil {
		panic(err)
	}

	producer, err := publisher.New(backend.Publisher, publisher.DefaultConfig())
	if err != nil {
		panic(err)
	}
	defer producer.Close() // does not close backend.Publisher

	if err := producer.PublishCreated(ctx, entrytest.Entry(entry.KeyTypeCPF, 7), "user-1"); err != nil {
		panic(err)
	}

	msg := <-messages
	msg.Ack()
	var ev eventsv1.EntryCreatedEvent
	if err := proto.Unmarshal(msg.Payload, &ev); err != nil {
		panic(err)
	}
	fmt.Println(msg.Metadata.Get(events.MetadataEventType))
	fmt.Println(ev.GetEntry().GetKeyType())
	// Output:
	// EntryCreated
	// KEY_TYPE_CPF
}

// A deletion's type chooses its topic, so that a consumer acting on one kind
// only (e.g. a waiting-period scheduler) subscribes to that topic alone.
func ExampleEntryEventProducer_PublishDeleted() {
	backend, err := broker.Open(broker.Config{URL: "mem://"}, nil)
	if err != nil {
		panic(err)
	}
	defer backend.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	immediate, err := backend.Subscriber.Subscribe(ctx, publisher.TopicEntryDeletedImmediate)
	if err != nil {
		panic(err)
	}
	waitingPeriod, err := backend.Subscriber.Subscribe(ctx, publisher.TopicEntryDeletedWaitingPeriod)
	if err != nil {
		panic(err)
	}

	producer, err := publisher.New(backend.Publisher, publisher.DefaultConfig())
	if err != nil {
		panic(err)
	}
	defer producer.Close()

	e := entrytest.Entry(entry.KeyTypePhone, 3)
	err = producer.PublishDeleted(ctx, e.ID, e.KeyValue, e.KeyType, e.ISPB,
		eventsv1.EntryDeletedEvent_DELETION_TYPE_WAITING_PERIOD, "user-1")
	if err != nil {
		panic(err)
	}

	select {
	case msg := <-immediate:
		msg.Ack()
		fmt.Println(publisher.TopicEntryDeletedImmediate)
	case msg := <-waitingPeriod:
		msg.Ack()
		fmt.Println(publisher.TopicEntryDeletedWaitingPeriod)
	}
	// Output:
	// dict.entries.deleted.waiting_period
}

// An entry that breaks a DICT rule is refused before anything is sent. The
// error names the field and the rule, never the key or the owner.
func ExampleEntryEventProducer_PublishCreated_invalid() {
	producer, err := publisher.NewEntryEventProducer("mem://")
	if err != nil {
		panic(err)
	}
	defer producer.Close()

	e := entrytest.Entry(entry.KeyTypeCPF, 2)
	e.ISPB = "1234" // an ISPB has 8 digits
	err = producer.PublishCreated(context.Background(), e, "user-1")
	fmt.Println(errors.Is(err, entry.ErrInvalidEntry))
	fmt.Println(err)
	// Output:
	// true
	// EntryInvalid: ispb: format
}
