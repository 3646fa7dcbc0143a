package pulsaradapter

import (
	"context"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/apache/pulsar-client-go/pulsar"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPublisherConfigDefaults(t *testing.T) {
	c := PublisherConfig{ClientConfig: ClientConfig{URL: "pulsar://127.0.0.1:6650"}}
	c.setDefaults()
	require.NoError(t, c.Validate())

	assert.Equal(t, 10*time.Second, c.ConnectionTimeout)
	assert.Equal(t, 30*time.Second, c.OperationTimeout)
	assert.Equal(t, 5*time.Second, c.MaxReconnectBackoff)
	assert.Equal(t, "partition_key", c.PartitionKeyMetadata)
	assert.Equal(t, 30*time.Second, c.SendTimeout)
	assert.Equal(t, CompressionLZ4, c.Compression)
	assert.False(t, c.DisableBatching)
	assert.Equal(t, uint(100), c.BatchingMaxMessages)
	assert.Equal(t, 10*time.Millisecond, c.BatchingMaxPublishDelay)
	assert.Equal(t, uint(128*1024), c.BatchingMaxSize)
	assert.False(t, c.DisableKeyBasedBatching)
	assert.Equal(t, 1000, c.MaxPendingMessages)
	assert.Equal(t, 30*time.Second, c.CloseTimeout)

	opts := c.producerOptions("persistent://public/default/dict")
	assert.Equal(t, "persistent://public/default/dict", opts.Topic)
	assert.Equal(t, pulsar.LZ4, opts.CompressionType)
	assert.Equal(t, pulsar.KeyBasedBatchBuilder, opts.BatcherBuilderType)
	assert.Equal(t, 30*time.Second, opts.SendTimeout)
	assert.Empty(t, opts.Name, "no prefix: the broker names the producer")
	assert.True(t, opts.DisableBlockIfQueueFull, "backpressure is the Publisher's")
	assert.Equal(t, 1000, opts.MaxPendingMessages)

	c.ProducerNamePrefix = "pod-7"
	c.Compression = CompressionZSTD
	c.DisableKeyBasedBatching = true
	opts = c.producerOptions("persistent://public/default/dict")
	assert.Equal(t, "pod-7-persistent-public-default-dict", opts.Name)
	assert.Equal(t, pulsar.ZSTD, opts.CompressionType)
	assert.Equal(t, pulsar.DefaultBatchBuilder, opts.BatcherBuilderType)

	c.Compression = CompressionNone
	assert.Equal(t, pulsar.NoCompression, c.producerOptions("t").CompressionType)
}

func TestPublisherConfigValidate(t *testing.T) {
	valid := func() PublisherConfig {
		c := PublisherConfig{ClientConfig: ClientConfig{URL: "pulsar://127.0.0.1:6650"}}
		c.setDefaults()
		return c
	}
	cases := map[string]func(*PublisherConfig){
		"no URL":                      func(c *PublisherConfig) { c.URL = "" },
		"bad scheme":                  func(c *PublisherConfig) { c.URL = "kafka://x:1" },
		"negative connection timeout": func(c *PublisherConfig) { c.ConnectionTimeout = -1 },
		"negative operation timeout":  func(c *PublisherConfig) { c.OperationTimeout = -1 },
		"tiny reconnect backoff":      func(c *PublisherConfig) { c.MaxReconnectBackoff = time.Millisecond },
		"negative send timeout":       func(c *PublisherConfig) { c.SendTimeout = -1 },
		"unknown compression":         func(c *PublisherConfig) { c.Compression = "snappy" },
		"negative batch delay":        func(c *PublisherConfig) { c.BatchingMaxPublishDelay = -time.Millisecond },
		"negative max pending":        func(c *PublisherConfig) { c.MaxPendingMessages = -1 },
		"negative close timeout":      func(c *PublisherConfig) { c.CloseTimeout = -1 },
		"reserved key metadata":       func(c *PublisherConfig) { c.PartitionKeyMetadata = UUIDProperty },
		"two token sources": func(c *PublisherConfig) {
			c.AuthToken = "t"
			c.AuthTokenFile = "/f"
		},
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			c := valid()
			mutate(&c)
			assert.Error(t, c.Validate())
		})
	}
}

func TestNewPublisherRejectsInvalidConfig(t *testing.T) {
	_, err := NewPublisher(PublisherConfig{}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "URL is required")
}

func TestSubscriberConfigDefaults(t *testing.T) {
	c := SubscriberConfig{ClientConfig: ClientConfig{URL: "pulsar://127.0.0.1:6650"}, SubscriptionName: "dict"}
	c.setDefaults()
	require.NoError(t, c.Validate())

	assert.Equal(t, 10*time.Second, c.ConnectionTimeout)
	assert.Equal(t, 30*time.Second, c.OperationTimeout)
	assert.Equal(t, SubscriptionKeyShared, c.SubscriptionType)
	assert.Equal(t, InitialPositionEarliest, c.InitialPosition)
	assert.Equal(t, 1, c.ConsumersCount)
	assert.Equal(t, 200*time.Millisecond, c.NackRedeliveryDelay)
	assert.Equal(t, 1000, c.ReceiverQueueSize)
	assert.False(t, c.AsyncAck)
	assert.Equal(t, "partition_key", c.PartitionKeyMetadata)
	assert.Equal(t, 30*time.Second, c.CloseTimeout)

	opts := c.consumerOptions("dict-topic")
	assert.Equal(t, "dict-topic", opts.Topic)
	assert.Equal(t, "dict", opts.SubscriptionName)
	assert.Equal(t, pulsar.KeyShared, opts.Type)
	assert.Equal(t, pulsar.SubscriptionPositionEarliest, opts.SubscriptionInitialPosition)
	assert.Equal(t, 200*time.Millisecond, opts.NackRedeliveryDelay)
	assert.True(t, opts.AckWithResponse)

	for typ, want := range map[SubscriptionType]pulsar.SubscriptionType{
		SubscriptionShared:    pulsar.Shared,
		SubscriptionFailover:  pulsar.Failover,
		SubscriptionExclusive: pulsar.Exclusive,
	} {
		c.SubscriptionType = typ
		assert.Equal(t, want, c.consumerOptions("t").Type, typ)
	}
	c.InitialPosition = InitialPositionLatest
	c.AsyncAck = true
	opts = c.consumerOptions("t")
	assert.Equal(t, pulsar.SubscriptionPositionLatest, opts.SubscriptionInitialPosition)
	assert.False(t, opts.AckWithResponse)
}

func TestSubscriberConfigValidate(t *testing.T) {
	valid := func() SubscriberConfig {
		c := SubscriberConfig{ClientConfig: ClientConfig{URL: "pulsar://127.0.0.1:6650"}, SubscriptionName: "dict"}
		c.setDefaults()
		return c
	}
	cases := map[string]func(*SubscriberConfig){
		"no URL":               func(c *SubscriberConfig) { c.URL = "" },
		"no subscription name": func(c *SubscriberConfig) { c.SubscriptionName = "" },
		"unknown type":         func(c *SubscriberConfig) { c.SubscriptionType = "fanout" },
		"unknown position":     func(c *SubscriberConfig) { c.InitialPosition = "middle" },
		"negative consumers":   func(c *SubscriberConfig) { c.ConsumersCount = -1 },
		"exclusive with two consumers": func(c *SubscriberConfig) {
			c.SubscriptionType = SubscriptionExclusive
			c.ConsumersCount = 2
		},
		"negative nack delay":    func(c *SubscriberConfig) { c.NackRedeliveryDelay = -1 },
		"negative queue size":    func(c *SubscriberConfig) { c.ReceiverQueueSize = -1 },
		"negative close timeout": func(c *SubscriberConfig) { c.CloseTimeout = -1 },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			c := valid()
			mutate(&c)
			assert.Error(t, c.Validate())
		})
	}
}

func TestNewSubscriberRejectsInvalidConfig(t *testing.T) {
	_, err := NewSubscriber(SubscriberConfig{ClientConfig: ClientConfig{URL: "pulsar://127.0.0.1:6650"}}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "SubscriptionName is required")
}

func TestConstructorsDoNotConnect(t *testing.T) {
	// Nothing listens on port 1: construction must still succeed (lazy
	// connection) and Close must not hang.
	pub, err := NewPublisher(PublisherConfig{ClientConfig: ClientConfig{URL: "pulsar://127.0.0.1:1"}}, nil)
	require.NoError(t, err)
	require.NoError(t, pub.Publish("t"), "no messages: nothing to do")
	require.NoError(t, pub.Close())
	require.NoError(t, pub.Close(), "Close is idempotent")
	require.ErrorIs(t, pub.Publish("t", message.NewMessage("u", nil)), ErrPublisherClosed)

	sub, err := NewSubscriber(SubscriberConfig{
		ClientConfig:     ClientConfig{URL: "pulsar://127.0.0.1:1"},
		SubscriptionName: "s",
	}, nil)
	require.NoError(t, err)
	require.NoError(t, sub.Close())
	require.NoError(t, sub.Close(), "Close is idempotent")
	_, err = sub.Subscribe(context.Background(), "t")
	require.ErrorIs(t, err, ErrSubscriberClosed)
	require.ErrorIs(t, sub.SubscribeInitialize("t"), ErrSubscriberClosed)
}

func TestPublishRejectsEmptyTopic(t *testing.T) {
	pub, err := NewPublisher(PublisherConfig{ClientConfig: ClientConfig{URL: "pulsar://127.0.0.1:1"}}, nil)
	require.NoError(t, err)
	defer pub.Close()
	require.Error(t, pub.Publish("", message.NewMessage("u", nil)))

	sub, err := NewSubscriber(SubscriberConfig{ClientConfig: ClientConfig{URL: "pulsar://127.0.0.1:1"}, SubscriptionName: "s"}, nil)
	require.NoError(t, err)
	defer sub.Close()
	_, err = sub.Subscribe(context.Background(), "")
	require.Error(t, err)
}

func TestReconnectBackoff(t *testing.T) {
	b := newReconnectBackoff(time.Second)()
	var delays []time.Duration
	for range 8 {
		d := b.Next()
		delays = append(delays, d)
	}
	assert.GreaterOrEqual(t, delays[0], 100*time.Millisecond)
	assert.Less(t, delays[0], 121*time.Millisecond)
	for _, d := range delays[4:] { // 1.6s capped to 1s
		assert.GreaterOrEqual(t, d, time.Second)
		assert.LessOrEqual(t, d, 1200*time.Millisecond)
	}
	assert.True(t, b.IsMaxBackoffReached())
	b.Reset()
	assert.False(t, b.IsMaxBackoffReached())
	assert.Less(t, b.Next(), 121*time.Millisecond)
}
