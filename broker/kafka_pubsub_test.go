package broker_test

// Integration tests of the Kafka backend against the real broker started by
// `testenv/brokers up kafka`. They skip without DICTEVENTS_INTEGRATION=1 and
// fail when it is set and Kafka is unreachable (testenv.KafkaBrokers).

import (
	"context"
	"fmt"
	"log"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/tests"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lbpay-lab/dict-events/broker"
	"github.com/lbpay-lab/dict-events/events"
	"github.com/lbpay-lab/dict-events/testenv"
)

func kafkaURL(t testing.TB) string {
	return "kafka://" + strings.Join(testenv.KafkaBrokers(t), ",")
}

// errorLogger prints only errors: Watermill's info logs of hundreds of
// subscribers would drown a failure.
type errorLogger struct{ fields watermill.LogFields }

func (l errorLogger) Error(msg string, err error, fields watermill.LogFields) {
	log.Printf("ERROR %s: %v %v", msg, err, l.fields.Add(fields))
}
func (errorLogger) Info(string, watermill.LogFields)  {}
func (errorLogger) Debug(string, watermill.LogFields) {}
func (errorLogger) Trace(string, watermill.LogFields) {}
func (l errorLogger) With(fields watermill.LogFields) watermill.LoggerAdapter {
	return errorLogger{fields: l.fields.Add(fields)}
}

// TestKafkaOpenWithOnlyURL opens Kafka with nothing but the URL (production
// defaults: lz4, idempotent producer with acks from all replicas, 4
// partitions, group dict-events) and checks what the backend promises: the
// partition key is the record key, every event of a key lands on one
// partition, a message without a key still publishes, and the topic is
// created with the configured partition count.
func TestKafkaOpenWithOnlyURL(t *testing.T) {
	url := kafkaURL(t)
	b, err := broker.Open(broker.Config{URL: url}, nil)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, b.Close()) })
	assert.Equal(t, broker.SchemeKafka, b.Scheme)

	// A unique topic keeps this test independent of earlier runs; the
	// default group then starts at its beginning (initial offset oldest).
	topic := testenv.UniqueTopic("dict-events-open-")
	const perKey = 10
	keys := []string{"key-a", "key-b", "key-c"}
	var sent []string
	for i := range perKey {
		for _, k := range keys {
			m := message.NewMessage(watermill.NewUUID(), fmt.Appendf(nil, "%s/%d", k, i))
			m.Metadata.Set(events.MetadataPartitionKey, k)
			require.NoError(t, b.Publisher.Publish(topic, m))
			sent = append(sent, m.UUID)
		}
	}
	keyless := message.NewMessage(watermill.NewUUID(), []byte("no key"))
	require.NoError(t, b.Publisher.Publish(topic, keyless), "a message without partition_key publishes")

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ch, err := b.Subscriber.Subscribe(ctx, topic)
	require.NoError(t, err)

	partitionOf := map[string]int32{}
	next := map[string]int{}
	for received := 0; received < len(sent)+1; {
		var m *message.Message
		select {
		case m = <-ch:
		case <-ctx.Done():
			t.Fatalf("received %d of %d messages before the deadline", received, len(sent)+1)
		}
		m.Ack()
		received++
		recordKey, _ := kafka.MessageKeyFromCtx(m.Context())
		partition, ok := kafka.MessagePartitionFromCtx(m.Context())
		require.True(t, ok)
		if m.UUID == keyless.UUID {
			assert.Equal(t, keyless.UUID, string(recordKey), "a keyless message is keyed by its UUID")
			continue
		}
		k := m.Metadata.Get(events.MetadataPartitionKey)
		assert.Equal(t, k, string(recordKey), "partition_key is the Kafka record key")
		if p, seen := partitionOf[k]; seen {
			assert.Equal(t, p, partition, "every message of key %s on one partition", k)
		}
		partitionOf[k] = partition
		assert.Equal(t, fmt.Sprintf("%s/%d", k, next[k]), string(m.Payload), "order within key %s", k)
		next[k]++
	}

	admin, err := sarama.NewClusterAdmin(testenv.KafkaBrokers(t), sarama.NewConfig())
	require.NoError(t, err)
	defer admin.Close()
	meta, err := admin.DescribeTopics([]string{topic})
	require.NoError(t, err)
	require.Len(t, meta, 1)
	assert.Len(t, meta[0].Partitions, 4, "topic created with the default Kafka.Partitions")
}

// kafkaPubSub opens the backend for Watermill's test suite. Every test of
// the suite gets its own consumer group, named after the test (whose name
// holds the suite's random test ID): a test's subscribers share it, as the
// suite expects (TestContinueAfterSubscribeClose resumes where the previous
// subscriber stopped), while parallel tests do not trigger rebalances in
// each other's group.
func kafkaPubSub(t *testing.T) (message.Publisher, message.Subscriber) {
	return kafkaPubSubWithGroup(t, "dict-events-suite-"+t.Name())
}

func kafkaPubSubWithGroup(t *testing.T, group string) (message.Publisher, message.Subscriber) {
	b, err := broker.Open(broker.Config{
		URL:      kafkaURL(t),
		Consumer: broker.ConsumerConfig{Group: group},
	}, errorLogger{})
	require.NoError(t, err)
	return testenv.SettleReconnect(t, b.Publisher, b.Subscriber)
}

// kafkaFeatures is what the Kafka backend really offers.
var kafkaFeatures = tests.Features{
	// Subscribers with the same Consumer.Group share the messages; other
	// groups each get all of them.
	ConsumerGroups: true,
	// At least once: a message unacked when a subscriber stops, or acked but
	// not yet committed (offsets are committed every second), comes again.
	ExactlyOnceDelivery: false,
	// Order is guaranteed per partition key, not per topic: the suite
	// publishes without partition_key, so each message is keyed by its UUID
	// and lands on any of the 4 partitions, which are consumed concurrently.
	// The suite's order tests (TestPublishSubscribeInOrder, TestNoAck) expect
	// order across all of a test's messages, which we do not promise; they
	// run in TestKafkaPubSubOrderPerKey below with each message keyed, which
	// is exactly the guarantee we give (and with 4 partitions, so it is real).
	GuaranteedOrder: false,
	// Messages are stored by the broker, not by the Publisher/Subscriber
	// objects: a new instance in the same group continues the stream.
	Persistent: true,
	// TestReconnect restarts the real broker (keeping its data) twice while
	// 100 publishers are publishing.
	RestartServiceCommand: testenv.RestartCommand("kafka"),
	// A subscriber in a consumer group resumes at the group's committed
	// offset, so a new subscriber of the same group does not get messages the
	// group already consumed; that is the behaviour we want for DICT events.
	// (Only a new group starts at the oldest message.)
	NewSubscriberReceivesOldMessages: false,
	// Kafka records carry no Go context.
	ContextPreserved: false,
}

// TestKafkaPubSub runs Watermill's universal Pub/Sub test suite against the
// real Kafka broker through broker.Open.
func TestKafkaPubSub(t *testing.T) {
	testenv.KafkaBrokers(t) // skip or fail before the suite starts
	tests.TestPubSub(t, kafkaFeatures, kafkaPubSub, kafkaPubSubWithGroup)
}

// keyedByPayload sets partition_key to the payload of every message that has
// none, so that the suite's order tests, which publish messages of 16
// "types" told apart by payload, exercise per-key order: the type is the key.
type keyedByPayload struct{ message.Publisher }

func (p keyedByPayload) Publish(topic string, msgs ...*message.Message) error {
	for _, m := range msgs {
		if m.Metadata.Get(events.MetadataPartitionKey) == "" {
			m.Metadata.Set(events.MetadataPartitionKey, string(m.Payload))
		}
	}
	return p.Publisher.Publish(topic, msgs...)
}

// TestKafkaPubSubOrderPerKey runs the suite's two order tests with every
// message keyed (see kafkaFeatures.GuaranteedOrder): per key, messages
// arrive in publish order across 10 subscribers of one group and 4
// partitions, and the next message of a key waits for the ack of the
// previous one.
func TestKafkaPubSubOrderPerKey(t *testing.T) {
	testenv.KafkaBrokers(t)
	features := kafkaFeatures
	features.GuaranteedOrder = true
	keyed := func(t *testing.T) (message.Publisher, message.Subscriber) {
		pub, sub := kafkaPubSub(t)
		return keyedByPayload{pub}, sub
	}
	for name, test := range map[string]func(*testing.T, tests.TestContext, tests.PubSubConstructor){
		"TestPublishSubscribeInOrder": tests.TestPublishSubscribeInOrder,
		"TestNoAck":                   tests.TestNoAck,
	} {
		// As in the suite, a random test ID names the topic and, through the
		// subtest name, the consumer group.
		id := tests.NewTestID()
		t.Run(name+"/"+string(id), func(t *testing.T) {
			test(t, tests.TestContext{TestID: id, Features: features}, keyed)
		})
	}
}
