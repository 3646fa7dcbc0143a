package broker

import (
	"errors"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"
)

// Backend is an opened broker: a publisher and a subscriber on it.
type Backend struct {
	// Publisher publishes to the backend.
	Publisher message.Publisher
	// Subscriber consumes from it with the configured consumer group.
	Subscriber message.Subscriber
	// Scheme is the URL scheme that selected it (SchemeMemory, ...).
	Scheme string
}

// Close closes the subscriber and the publisher, returning both errors.
func (b *Backend) Close() error {
	subErr := b.Subscriber.Close()
	if any(b.Subscriber) == any(b.Publisher) {
		return subErr
	}
	return errors.Join(subErr, b.Publisher.Close())
}

// Open validates config and connects to the backend its URL names. For
// mem:// publisher and subscriber are one in-process GoChannel, so only
// code holding this Backend can reach the messages.
func Open(config Config, logger watermill.LoggerAdapter) (*Backend, error) {
	config.setDefaults()
	if err := config.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = watermill.NopLogger{}
	}
	ep, _ := parseURL(config.URL)
	if ep.scheme == SchemeMemory {
		bus := newMemory(logger)
		return &Backend{Publisher: bus, Subscriber: bus, Scheme: SchemeMemory}, nil
	}
	pub, err := newPublisher(ep, config, logger)
	if err != nil {
		return nil, err
	}
	sub, err := newSubscriber(ep, config, logger)
	if err != nil {
		return nil, errors.Join(err, pub.Close())
	}
	return &Backend{Publisher: pub, Subscriber: sub, Scheme: ep.scheme}, nil
}

// NewPublisher opens only a publisher, for producers. On mem:// it is a
// private in-process bus that nothing else can subscribe to: use Open and
// share the Backend to consume in the same process.
func NewPublisher(config Config, logger watermill.LoggerAdapter) (message.Publisher, error) {
	config.setDefaults()
	if err := config.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = watermill.NopLogger{}
	}
	ep, _ := parseURL(config.URL)
	if ep.scheme == SchemeMemory {
		return newMemory(logger), nil
	}
	return newPublisher(ep, config, logger)
}

// newMemory is the embedded bus. It is persistent: a message published
// before anyone subscribes waits for the subscriber instead of being
// dropped. It holds every message in memory for its lifetime, which fits the
// demo and tests it is meant for, not a production stream.
func newMemory(logger watermill.LoggerAdapter) *gochannel.GoChannel {
	return gochannel.NewGoChannel(gochannel.Config{Persistent: true, OutputChannelBuffer: 64}, logger)
}

func newPublisher(ep endpoint, config Config, logger watermill.LoggerAdapter) (message.Publisher, error) {
	if ep.scheme == SchemeKafka {
		return newKafkaPublisher(ep, config, logger)
	}
	return newPulsarPublisher(ep, config, logger)
}

func newSubscriber(ep endpoint, config Config, logger watermill.LoggerAdapter) (message.Subscriber, error) {
	if ep.scheme == SchemeKafka {
		return newKafkaSubscriber(ep, config, logger)
	}
	return newPulsarSubscriber(ep, config, logger)
}
