package broker

import (
	"time"

	"github.com/IBM/sarama"
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
