package broker

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
	"github.com/ThreeDotsLabs/watermill/message"
)

// kafkaSubscriberConfig is watermill-kafka's subscriber configuration.
func kafkaSubscriberConfig(ep endpoint, config Config) kafka.SubscriberConfig {
	return kafka.SubscriberConfig{
		Brokers:                ep.hosts,
		Unmarshaler:            kafka.DefaultMarshaler{},
		OverwriteSaramaConfig:  kafkaConsumerConfig(config),
		ConsumerGroup:          config.Consumer.Group,
		NackResendSleep:        config.Consumer.NackRedeliveryDelay,
		InitializeTopicDetails: kafkaTopicDetail(config),
	}
}

func newKafkaSubscriber(ep endpoint, config Config, logger watermill.LoggerAdapter) (message.Subscriber, error) {
	sub, err := kafka.NewSubscriber(kafkaSubscriberConfig(ep, config), logger)
	if err != nil {
		return nil, fmt.Errorf("kafka subscriber for %v: %w", ep.hosts, err)
	}
	if config.Consumer.Consumers > 1 {
		logger.Debug("Consumer.Consumers has no effect on Kafka: each topic's partitions are consumed concurrently",
			watermill.LogFields{"consumers": config.Consumer.Consumers, "partitions": config.Kafka.Partitions})
	}
	return &kafkaSubscriber{sub: sub, initialized: map[string]bool{}}, nil
}

// kafkaSubscriber is watermill-kafka's subscriber, creating each topic (with
// Kafka.Partitions partitions) and waiting until it is ready before the
// first Subscribe to it, so that subscribing never auto-creates a topic with
// the broker's default partition count.
type kafkaSubscriber struct {
	sub *kafka.Subscriber

	mu          sync.Mutex
	initialized map[string]bool
	closed      bool
}

// Subscribe joins the consumer group on topic, creating the topic first.
func (s *kafkaSubscriber) Subscribe(ctx context.Context, topic string) (<-chan *message.Message, error) {
	if err := s.initialize(ctx, topic); err != nil {
		return nil, err
	}
	return s.sub.Subscribe(ctx, topic)
}

// SubscribeInitialize creates topic, if it does not exist, and waits until
// its partitions have leaders.
func (s *kafkaSubscriber) SubscribeInitialize(topic string) error {
	return s.initialize(context.Background(), topic)
}

func (s *kafkaSubscriber) initialize(ctx context.Context, topic string) error {
	s.mu.Lock()
	done, closed := s.initialized[topic], s.closed
	s.mu.Unlock()
	if closed {
		return errors.New("kafka subscriber is closed")
	}
	if done {
		return nil
	}
	if err := s.sub.SubscribeInitializeWithContext(ctx, topic); err != nil {
		return fmt.Errorf("kafka: create topic %s: %w", topic, err)
	}
	s.mu.Lock()
	s.initialized[topic] = true
	s.mu.Unlock()
	return nil
}

// Close stops every subscription; messages not acked yet are delivered
// again to the group.
func (s *kafkaSubscriber) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	return s.sub.Close()
}
