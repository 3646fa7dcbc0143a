package pulsaradapter_test

import (
	"context"
	"log"
	"os/signal"
	"syscall"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/lbpay-lab/dict-events/pulsaradapter"
)

// Example wires a Publisher and a Subscriber. It needs a running broker, so it
// is compiled but not run by go test.
func Example() {
	logger := watermill.NewStdLogger(false, false)
	client := pulsaradapter.ClientConfig{URL: "pulsar://127.0.0.1:6650"}

	publisher, err := pulsaradapter.NewPublisher(pulsaradapter.PublisherConfig{
		ClientConfig: client,
		// Stable producer names let the broker deduplicate resends.
		ProducerNamePrefix: "dict-api-pod-0",
		// Refuse events without partition_key: they would not be ordered.
		RequirePartitionKey: true,
	}, logger)
	if err != nil {
		log.Fatal(err)
	}
	defer publisher.Close()

	subscriber, err := pulsaradapter.NewSubscriber(pulsaradapter.SubscriberConfig{
		ClientConfig:     client,
		SubscriptionName: "dict-projector", // the consumer group
		ConsumersCount:   4,                // KeyShared: 4 keys in parallel, each in order
	}, logger)
	if err != nil {
		log.Fatal(err)
	}
	defer subscriber.Close()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	// Create the durable subscription before anything is published to it.
	if err := subscriber.SubscribeInitialize("dict-entries"); err != nil {
		log.Fatal(err)
	}
	messages, err := subscriber.Subscribe(ctx, "dict-entries")
	if err != nil {
		log.Fatal(err)
	}

	event := message.NewMessage(watermill.NewUUID(), []byte(`{"key":"..."}`))
	event.Metadata.Set("partition_key", "phone:3f9a") // per-key order
	if err := publisher.Publish("dict-entries", event); err != nil {
		log.Fatal(err) // not persisted: retry or fail the request
	}

	for msg := range messages {
		log.Printf("entry event %s for %s", msg.UUID, msg.Metadata.Get("partition_key"))
		msg.Ack() // or msg.Nack() to have it redelivered
	}
}
