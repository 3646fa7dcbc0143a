package broker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/lbpay-lab/dict-events/events"
)

// The Kafka backend is watermill-kafka (Sarama) with settings chosen for
// DICT events:
//
//   - Per-key order. The producer's partition_key metadata becomes the Kafka
//     record key, so every event of one PIX key lands on one partition; and
//     watermill-kafka hands a partition's messages out one at a time: in
//     processMessage the next record of a partition is read from the claim
//     only after the previous one was acked (a nack resends the same record
//     after NackRedeliveryDelay), so a partition — and every key on it — is
//     handled strictly in offset order, while different partitions are
//     handled concurrently.
//   - No silent loss. The producer waits for all in-sync replicas
//     (WaitForAll) and is idempotent, so Sarama's own retries cannot write a
//     record twice or out of order; the consumer group commits an offset only
//     for acked messages, so anything unacked (a crash, a rebalance, a close
//     mid-handler) is delivered again. Delivery is at least once.
//   - Consumer.Consumers has no effect on Kafka. One Subscribe already joins
//     the consumer group and consumes every partition assigned to it
//     concurrently (one message in flight per partition), so a topic's
//     parallelism is its partition count (Kafka.Partitions, fixed when the
//     topic is created), shared by every process in the group. More
//     consumers than partitions would only sit idle.

// kafkaVersion is the protocol version Sarama speaks. Kafka 4 rejects
// versions older than 2.1, and Sarama must not claim a version newer than
// the broker's, so this is the oldest 4.x: it works with every Kafka 4
// broker.
var kafkaVersion = sarama.V4_0_0_0

// kafkaClientID names this module's connections in the broker's logs and
// quotas.
const kafkaClientID = "dict-events"

// Producer retry backoff: 100 ms doubling to at most 1 s.
const (
	kafkaRetryBackoffMin = 100 * time.Millisecond
	kafkaRetryBackoffMax = time.Second
)

// kafkaPartitionKey returns the Kafka record key of msg: its partition_key
// metadata, so all events of one PIX key share a partition and stay in
// order. A message without it (published by something other than
// publisher.EntryEventProducer, e.g. a raw Watermill publisher or a tool)
// still publishes: it falls back to the message UUID, which spreads such
// messages over the partitions with no order between them but keeps each
// one — and every resend of it with the same UUID — on a single partition.
func kafkaPartitionKey(_ string, msg *message.Message) (string, error) {
	if key := msg.Metadata.Get(events.MetadataPartitionKey); key != "" {
		return key, nil
	}
	return msg.UUID, nil
}

// kafkaProducerConfig maps config onto Sarama's producer settings.
func kafkaProducerConfig(config Config) *sarama.Config {
	sc := sarama.NewConfig()
	sc.Version = kafkaVersion
	sc.ClientID = kafkaClientID

	// Durable and duplicate-free on the broker: acks from every in-sync
	// replica, and an idempotent producer (the broker drops a retried batch
	// it already wrote and rejects out-of-order ones). Sarama allows
	// idempotence only with a single request in flight per connection.
	sc.Producer.RequiredAcks = sarama.WaitForAll
	sc.Producer.Idempotent = true
	sc.Net.MaxOpenRequests = 1
	// The sync publisher waits for each record's result.
	sc.Producer.Return.Successes = true
	sc.Producer.Return.Errors = true

	switch config.Producer.Compression {
	case "zstd":
		sc.Producer.Compression = sarama.CompressionZSTD
	case "none":
		sc.Producer.Compression = sarama.CompressionNone
	default:
		sc.Producer.Compression = sarama.CompressionLZ4
	}

	// Batching: a batch goes out at BatchingMaxMessages records or
	// BatchingMaxDelay after its first record, whichever comes first.
	sc.Producer.Flush.Messages = int(config.Producer.BatchingMaxMessages)
	sc.Producer.Flush.Frequency = config.Producer.BatchingMaxDelay

	// SendTimeout. Sarama has no per-record deadline, so it is mapped onto
	// Sarama's own limits. One request (dial, write, the broker's wait for
	// the replicas' acks, the reply) is bounded by a third of it, at least
	// 1 s. Sarama retries a batch whose request failed or got a retriable
	// answer (leader moved, not enough replicas, connection lost) with the
	// same producer sequence numbers, so the broker deduplicates them; those
	// retries are spread over SendTimeout (backoff 100 ms doubling to 1 s).
	// What Sarama does not retry (read in async_producer.go): when no broker
	// answers at all, the leader lookup fails and the record fails at once,
	// and after three such failures a per-partition circuit breaker, not
	// configurable, fails records for 10 s without trying. A whole-cluster
	// outage is therefore reported to the caller quickly, and riding it out
	// is the caller's retry: publisher.EntryEventProducer resends with the
	// same message UUID (publisher.Config.Retry).
	attempt := max(config.Producer.SendTimeout/3, time.Second).Truncate(time.Millisecond)
	sc.Producer.Timeout = attempt
	sc.Net.DialTimeout = attempt
	sc.Net.WriteTimeout = attempt
	sc.Net.ReadTimeout = attempt + time.Second // the broker may wait Producer.Timeout before it answers
	sc.Producer.Retry.Max = kafkaRetries(config.Producer.SendTimeout)
	sc.Producer.Retry.BackoffFunc = func(retries, _ int) time.Duration { return kafkaRetryBackoff(retries) }
	sc.Admin.Timeout = attempt
	return sc
}

// kafkaRetryBackoff is the wait before Sarama's retry number n (1-based).
func kafkaRetryBackoff(n int) time.Duration {
	d := kafkaRetryBackoffMin
	for i := 1; i < n && d < kafkaRetryBackoffMax; i++ {
		d *= 2
	}
	return min(d, kafkaRetryBackoffMax)
}

// kafkaRetries is how many retries fit in budget with kafkaRetryBackoff
// (at least 1: Sarama's idempotent producer requires it).
func kafkaRetries(budget time.Duration) int {
	n := 0
	for spent := time.Duration(0); ; n++ {
		spent += kafkaRetryBackoff(n + 1)
		if spent > budget {
			break
		}
	}
	return max(n, 1)
}

// kafkaConsumerConfig maps config onto Sarama's consumer settings.
func kafkaConsumerConfig(config Config) *sarama.Config {
	sc := kafka.DefaultSaramaSubscriberConfig()
	sc.Version = kafkaVersion
	sc.ClientID = kafkaClientID
	// A new consumer group starts at the beginning of the topic, so events
	// published before the first subscriber are not skipped.
	sc.Consumer.Offsets.Initial = sarama.OffsetOldest
	// Members notice a rebalance at their next heartbeat: 1 s (Sarama's
	// default is 3 s) makes a router that joins 4 topics start sooner. The
	// session timeout stays 10 s, well above 3 heartbeats.
	sc.Consumer.Group.Heartbeat.Interval = time.Second
	sc.Admin.Timeout = max(config.Producer.SendTimeout, time.Second).Truncate(time.Millisecond)
	return sc
}

// kafkaTopicDetail is how this module creates topics.
func kafkaTopicDetail(config Config) *sarama.TopicDetail {
	return &sarama.TopicDetail{
		NumPartitions:     config.Kafka.Partitions,
		ReplicationFactor: config.Kafka.ReplicationFactor,
	}
}

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
