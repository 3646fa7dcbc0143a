package broker

import (
	"errors"
	"fmt"
	"sync"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
	"github.com/ThreeDotsLabs/watermill/message"
)

// kafkaPublisherConfig is watermill-kafka's publisher configuration.
func kafkaPublisherConfig(ep endpoint, config Config) kafka.PublisherConfig {
	return kafka.PublisherConfig{
		Brokers:               ep.hosts,
		Marshaler:             kafka.NewWithPartitioningMarshaler(kafkaPartitionKey),
		OverwriteSaramaConfig: kafkaProducerConfig(config),
	}
}

func newKafkaPublisher(ep endpoint, config Config, logger watermill.LoggerAdapter) (message.Publisher, error) {
	pc := kafkaPublisherConfig(ep, config)
	pub, err := kafka.NewPublisher(pc, logger)
	if err != nil {
		return nil, fmt.Errorf("kafka publisher for %v: %w", ep.hosts, err)
	}
	return &kafkaPublisher{
		pub:    pub,
		topics: newKafkaTopics(ep.hosts, pc.OverwriteSaramaConfig, kafkaTopicDetail(config)),
		logger: logger,
	}, nil
}

// kafkaPublisher is watermill-kafka's publisher plus two things: it creates
// a topic before its first publish, and Close waits for publishes in
// progress (watermill-kafka's Close does neither).
type kafkaPublisher struct {
	pub    *kafka.Publisher
	topics *kafkaTopics
	logger watermill.LoggerAdapter

	mu     sync.RWMutex // Publish holds it shared, Close exclusively
	closed bool
}

// Publish sends msgs to topic in order, each on the partition of its key,
// and returns once the broker has acked them all (or on the first failure).
func (p *kafkaPublisher) Publish(topic string, msgs ...*message.Message) error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return errors.New("kafka publisher is closed")
	}
	// Topic creation is best effort here: a producer may lack the right to
	// create topics, and the topic usually exists already. When it does not
	// and creation fails, Kafka auto-creates it (with the broker's default
	// partition count) or the publish fails.
	if err := p.topics.ensure(topic); err != nil {
		p.logger.Info("Could not create Kafka topic before publishing; publishing anyway",
			watermill.LogFields{"topic": topic, "err": err.Error()})
	}
	return p.pub.Publish(topic, msgs...)
}

// Close waits for publishes in progress and closes the producer, which
// sends what it buffered first. Calling it again is a no-op.
func (p *kafkaPublisher) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	return p.pub.Close()
}

// kafkaTopics creates each topic a publisher publishes to, once.
type kafkaTopics struct {
	brokers []string
	config  *sarama.Config
	detail  *sarama.TopicDetail

	mu     sync.Mutex
	topics map[string]*kafkaTopic
}

type kafkaTopic struct {
	mu   sync.Mutex // held while asking the broker, so concurrent publishers ask once
	done bool
	err  error
}

func newKafkaTopics(brokers []string, config *sarama.Config, detail *sarama.TopicDetail) *kafkaTopics {
	return &kafkaTopics{brokers: brokers, config: config, detail: detail, topics: map[string]*kafkaTopic{}}
}

// ensure creates topic unless it exists. The broker's answer — created,
// exists, or refused (e.g. not authorized) — is remembered for the
// publisher's lifetime; a failure to reach the broker is not, so a later
// publish tries again.
func (k *kafkaTopics) ensure(topic string) error {
	k.mu.Lock()
	t, ok := k.topics[topic]
	if !ok {
		t = &kafkaTopic{}
		k.topics[topic] = t
	}
	k.mu.Unlock()

	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done {
		return t.err
	}
	err := createKafkaTopic(k.brokers, k.config, topic, k.detail)
	var answer sarama.KError
	if err == nil || errors.As(err, &answer) {
		t.done, t.err = true, err
	}
	return err
}

func createKafkaTopic(brokers []string, config *sarama.Config, topic string, detail *sarama.TopicDetail) (err error) {
	admin, err := sarama.NewClusterAdmin(brokers, config)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, admin.Close()) }()
	if err := admin.CreateTopic(topic, detail, false); err != nil && !errors.Is(err, sarama.ErrTopicAlreadyExists) {
		return err
	}
	return nil
}
