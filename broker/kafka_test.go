package broker

import (
	"net"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lbpay-lab/dict-events/events"
)

// Unit tests of the Kafka backend's configuration; no broker needed.

func defaultKafkaConfig(t *testing.T, mutate func(*Config)) (endpoint, Config) {
	t.Helper()
	c := Config{URL: "kafka://k1:9092,k2:9092"}
	if mutate != nil {
		mutate(&c)
	}
	c.setDefaults()
	require.NoError(t, c.Validate())
	ep, err := parseURL(c.URL)
	require.NoError(t, err)
	return ep, c
}

func TestKafkaProducerConfigDefaults(t *testing.T) {
	ep, c := defaultKafkaConfig(t, nil)
	pc := kafkaPublisherConfig(ep, c)
	assert.Equal(t, []string{"k1:9092", "k2:9092"}, pc.Brokers)
	sc := pc.OverwriteSaramaConfig
	require.NoError(t, sc.Validate(), "Sarama accepts the configuration")

	assert.Equal(t, sarama.V4_0_0_0, sc.Version, "a version Kafka 4 accepts")
	assert.True(t, sc.Version.IsAtLeast(sarama.V2_1_0_0), "Kafka 4 rejects versions below 2.1")
	assert.Equal(t, sarama.WaitForAll, sc.Producer.RequiredAcks)
	assert.True(t, sc.Producer.Idempotent)
	assert.Equal(t, 1, sc.Net.MaxOpenRequests, "required by the idempotent producer")
	assert.True(t, sc.Producer.Return.Successes, "sync publisher")
	assert.Equal(t, sarama.CompressionLZ4, sc.Producer.Compression)
	assert.Equal(t, 100, sc.Producer.Flush.Messages)
	assert.Equal(t, 10*time.Millisecond, sc.Producer.Flush.Frequency)
	assert.Equal(t, "dict-events", sc.ClientID)

	// SendTimeout 30 s: each request is bounded by 10 s, retries are spread
	// over the 30 s.
	assert.Equal(t, 10*time.Second, sc.Producer.Timeout)
	assert.Equal(t, 10*time.Second, sc.Net.DialTimeout)
	assert.Equal(t, 10*time.Second, sc.Net.WriteTimeout)
	assert.Greater(t, sc.Net.ReadTimeout, sc.Producer.Timeout, "the client outwaits the broker's ack timeout")
	assert.Equal(t, kafkaRetries(30*time.Second), sc.Producer.Retry.Max)
	assert.Equal(t, 100*time.Millisecond, sc.Producer.Retry.BackoffFunc(1, sc.Producer.Retry.Max))
	assert.Equal(t, time.Second, sc.Producer.Retry.BackoffFunc(20, sc.Producer.Retry.Max))
}

func TestKafkaProducerCompressionAndTimeouts(t *testing.T) {
	for name, want := range map[string]sarama.CompressionCodec{
		"lz4": sarama.CompressionLZ4, "zstd": sarama.CompressionZSTD, "none": sarama.CompressionNone,
	} {
		_, c := defaultKafkaConfig(t, func(c *Config) { c.Producer.Compression = name })
		sc := kafkaProducerConfig(c)
		assert.Equal(t, want, sc.Producer.Compression, name)
		assert.NoError(t, sc.Validate(), name)
	}

	_, c := defaultKafkaConfig(t, func(c *Config) {
		c.Producer.SendTimeout = 2 * time.Second
		c.Producer.BatchingMaxDelay = time.Millisecond
		c.Producer.BatchingMaxMessages = 7
	})
	sc := kafkaProducerConfig(c)
	require.NoError(t, sc.Validate())
	assert.Equal(t, time.Second, sc.Producer.Timeout, "a request gets at least 1 s")
	assert.Equal(t, time.Millisecond, sc.Producer.Flush.Frequency)
	assert.Equal(t, 7, sc.Producer.Flush.Messages)
	assert.GreaterOrEqual(t, sc.Producer.Retry.Max, 1)
}

func TestKafkaRetriesFitTheSendTimeout(t *testing.T) {
	for _, budget := range []time.Duration{50 * time.Millisecond, time.Second, 5 * time.Second, 30 * time.Second, 2 * time.Minute} {
		n := kafkaRetries(budget)
		var spent time.Duration
		for i := 1; i <= n; i++ {
			spent += kafkaRetryBackoff(i)
		}
		assert.GreaterOrEqual(t, n, 1, "budget %v", budget)
		if budget >= kafkaRetryBackoffMin {
			assert.LessOrEqual(t, spent, budget, "budget %v: %d retries wait %v", budget, n, spent)
			assert.Greater(t, spent+kafkaRetryBackoff(n+1), budget, "budget %v: one more retry would not fit", budget)
		}
	}
	assert.Equal(t, []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, time.Second, time.Second},
		[]time.Duration{kafkaRetryBackoff(1), kafkaRetryBackoff(2), kafkaRetryBackoff(3), kafkaRetryBackoff(4), kafkaRetryBackoff(5), kafkaRetryBackoff(6)})
}

func TestKafkaSubscriberConfig(t *testing.T) {
	ep, c := defaultKafkaConfig(t, func(c *Config) {
		c.Consumer.Group = "g1"
		c.Consumer.NackRedeliveryDelay = 50 * time.Millisecond
		c.Consumer.Consumers = 4
		c.Kafka.Partitions = 12
		c.Kafka.ReplicationFactor = 3
	})
	sc := kafkaSubscriberConfig(ep, c)
	assert.Equal(t, []string{"k1:9092", "k2:9092"}, sc.Brokers)
	assert.Equal(t, "g1", sc.ConsumerGroup)
	assert.Equal(t, 50*time.Millisecond, sc.NackResendSleep)
	require.NotNil(t, sc.InitializeTopicDetails)
	assert.Equal(t, int32(12), sc.InitializeTopicDetails.NumPartitions)
	assert.Equal(t, int16(3), sc.InitializeTopicDetails.ReplicationFactor)
	s := sc.OverwriteSaramaConfig
	require.NoError(t, s.Validate())
	assert.Equal(t, sarama.V4_0_0_0, s.Version)
	assert.Equal(t, sarama.OffsetOldest, s.Consumer.Offsets.Initial, "a new group starts at the oldest message")
	assert.True(t, s.Consumer.Return.Errors)
	assert.True(t, s.Consumer.Offsets.AutoCommit.Enable)
	assert.Less(t, 3*s.Consumer.Group.Heartbeat.Interval, s.Consumer.Group.Session.Timeout)

	_, d := defaultKafkaConfig(t, nil)
	def := kafkaSubscriberConfig(ep, d)
	assert.Equal(t, "dict-events", def.ConsumerGroup)
	assert.Equal(t, 200*time.Millisecond, def.NackResendSleep)
	assert.Equal(t, int32(4), def.InitializeTopicDetails.NumPartitions)
	assert.Equal(t, int16(1), def.InitializeTopicDetails.ReplicationFactor)
}

func TestKafkaRecordKeyIsThePartitionKey(t *testing.T) {
	ep, c := defaultKafkaConfig(t, nil)
	marshaler := kafkaPublisherConfig(ep, c).Marshaler

	keyed := message.NewMessage("uuid-1", []byte("p"))
	keyed.Metadata.Set(events.MetadataPartitionKey, "hmac-of-the-key")
	keyed.Metadata.Set(events.MetadataCorrelationID, "corr")
	rec, err := marshaler.Marshal("t", keyed)
	require.NoError(t, err)
	key, err := rec.Key.Encode()
	require.NoError(t, err)
	assert.Equal(t, "hmac-of-the-key", string(key))
	headers := map[string]string{}
	for _, h := range rec.Headers {
		headers[string(h.Key)] = string(h.Value)
	}
	assert.Equal(t, "corr", headers[events.MetadataCorrelationID], "metadata travels as headers")
	assert.Equal(t, "hmac-of-the-key", headers[events.MetadataPartitionKey])

	keyless := message.NewMessage("uuid-2", []byte("p"))
	rec, err = marshaler.Marshal("t", keyless)
	require.NoError(t, err, "a message without partition_key publishes")
	key, err = rec.Key.Encode()
	require.NoError(t, err)
	assert.Equal(t, "uuid-2", string(key), "falls back to the UUID")
}

func TestOpenKafkaUnreachableFailsFast(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there now

	start := time.Now()
	_, err = Open(Config{URL: "kafka://" + addr}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), addr)
	assert.Less(t, time.Since(start), 15*time.Second)
}
