package pulsaradapter

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/apache/pulsar-client-go/pulsar"
)

// Publisher defaults.
const (
	// DefaultSendTimeout bounds how long a message may wait for the broker's receipt.
	DefaultSendTimeout = 30 * time.Second
	// DefaultBatchingMaxMessages is the most messages put in one batch.
	DefaultBatchingMaxMessages = 100
	// DefaultBatchingMaxPublishDelay is how long a batch may wait to fill.
	DefaultBatchingMaxPublishDelay = 10 * time.Millisecond
	// DefaultBatchingMaxSize is the most bytes put in one batch (128 KiB).
	DefaultBatchingMaxSize = 128 * 1024
	// DefaultMaxPendingMessages is how many messages a producer may hold
	// waiting for receipts before Publish blocks.
	DefaultMaxPendingMessages = 1000
)

// Compression selects how producers compress message payloads.
type Compression string

// Compression values. The zero value means CompressionLZ4.
const (
	CompressionNone Compression = "none"
	CompressionLZ4  Compression = "lz4"
	CompressionZSTD Compression = "zstd"
)

func (c Compression) pulsarType() (pulsar.CompressionType, error) {
	switch c {
	case CompressionNone:
		return pulsar.NoCompression, nil
	case CompressionLZ4:
		return pulsar.LZ4, nil
	case CompressionZSTD:
		return pulsar.ZSTD, nil
	default:
		return 0, fmt.Errorf("unknown compression %q (want none, lz4 or zstd)", string(c))
	}
}

// PublisherConfig configures a Publisher. Zero values are replaced by the
// defaults documented on each field.
type PublisherConfig struct {
	ClientConfig

	// PartitionKeyMetadata names the metadata entry whose value becomes the
	// Pulsar message key, which selects the partition of a partitioned topic and
	// the consumer of a KeyShared subscription. Default "partition_key".
	PartitionKeyMetadata string

	// RequirePartitionKey makes Publish reject a message without a non-empty
	// PartitionKeyMetadata entry, which would otherwise be delivered with no
	// ordering guarantee. Recommended for events that must stay in order.
	RequirePartitionKey bool

	// SendTimeout bounds how long Publish waits for the broker's receipt of a
	// message (including time spent reconnecting); past it the message fails.
	// Default DefaultSendTimeout (30s); must be positive.
	SendTimeout time.Duration

	// Compression of payloads. Default CompressionLZ4.
	Compression Compression

	// DisableBatching sends every message in its own request. Batching is on by
	// default; concurrent Publish calls then share batches.
	DisableBatching bool

	// BatchingMaxMessages is the most messages in one batch. Default 100.
	BatchingMaxMessages uint

	// BatchingMaxPublishDelay is how long a batch waits to fill before it is
	// sent. Default 10ms.
	BatchingMaxPublishDelay time.Duration

	// BatchingMaxSize is the most payload bytes in one batch. Default 128 KiB.
	BatchingMaxSize uint

	// DisableKeyBasedBatching uses Pulsar's default batch builder, which mixes
	// keys in one batch. Key-based batching (the default) puts only messages of
	// one key in a batch, which KeyShared subscriptions need to keep per-key
	// order and to spread keys across consumers.
	DisableKeyBasedBatching bool

	// MaxPendingMessages is how many messages one producer may hold while
	// waiting for receipts; Publish blocks while it is full (and fails with
	// ErrPublisherClosed if Close gives up waiting). Default 1000. Pending
	// payloads are also limited to 64 MiB per Publisher (the Pulsar client's
	// memory limit); past that Publish fails instead of blocking.
	MaxPendingMessages int

	// ProducerNamePrefix, when set, names every producer
	// ProducerNamePrefix + "-" + a suffix derived from the topic, instead of a
	// broker-generated name. A stable name lets the broker deduplicate resent
	// messages when the namespace has deduplication enabled. The broker allows
	// one connected producer per name and topic, so the prefix must be unique
	// per running process (e.g. the pod name).
	ProducerNamePrefix string

	// CloseTimeout bounds how long Close waits for in-flight Publish calls and
	// for flushing producers. Default 30s.
	CloseTimeout time.Duration
}

func (c *PublisherConfig) setDefaults() {
	c.ClientConfig.setDefaults()
	if c.PartitionKeyMetadata == "" {
		c.PartitionKeyMetadata = DefaultPartitionKeyMetadata
	}
	if c.SendTimeout == 0 {
		c.SendTimeout = DefaultSendTimeout
	}
	if c.Compression == "" {
		c.Compression = CompressionLZ4
	}
	if c.BatchingMaxMessages == 0 {
		c.BatchingMaxMessages = DefaultBatchingMaxMessages
	}
	if c.BatchingMaxPublishDelay == 0 {
		c.BatchingMaxPublishDelay = DefaultBatchingMaxPublishDelay
	}
	if c.BatchingMaxSize == 0 {
		c.BatchingMaxSize = DefaultBatchingMaxSize
	}
	if c.MaxPendingMessages == 0 {
		c.MaxPendingMessages = DefaultMaxPendingMessages
	}
	if c.CloseTimeout == 0 {
		c.CloseTimeout = DefaultCloseTimeout
	}
}

// Validate reports whether the configuration is usable. NewPublisher applies
// defaults before validating.
func (c PublisherConfig) Validate() error {
	errs := []error{c.ClientConfig.Validate()}
	if c.PartitionKeyMetadata == "" {
		errs = append(errs, errors.New("PartitionKeyMetadata must not be empty"))
	}
	if c.PartitionKeyMetadata == UUIDProperty {
		errs = append(errs, fmt.Errorf("PartitionKeyMetadata must not be the reserved %q", UUIDProperty))
	}
	if c.SendTimeout <= 0 {
		errs = append(errs, fmt.Errorf("SendTimeout must be positive, got %s", c.SendTimeout))
	}
	if _, err := c.Compression.pulsarType(); err != nil {
		errs = append(errs, err)
	}
	if c.BatchingMaxMessages == 0 {
		errs = append(errs, errors.New("BatchingMaxMessages must be positive"))
	}
	if c.BatchingMaxPublishDelay <= 0 {
		errs = append(errs, fmt.Errorf("BatchingMaxPublishDelay must be positive, got %s", c.BatchingMaxPublishDelay))
	}
	if c.BatchingMaxSize == 0 {
		errs = append(errs, errors.New("BatchingMaxSize must be positive"))
	}
	if c.MaxPendingMessages <= 0 {
		errs = append(errs, fmt.Errorf("MaxPendingMessages must be positive, got %d", c.MaxPendingMessages))
	}
	if c.CloseTimeout <= 0 {
		errs = append(errs, fmt.Errorf("CloseTimeout must be positive, got %s", c.CloseTimeout))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("invalid pulsar publisher config: %w", err)
	}
	return nil
}

func (c PublisherConfig) producerOptions(topic string) pulsar.ProducerOptions {
	compression, _ := c.Compression.pulsarType() // validated
	opts := pulsar.ProducerOptions{
		Topic:                   topic,
		SendTimeout:             c.SendTimeout,
		MaxPendingMessages:      c.MaxPendingMessages,
		DisableBlockIfQueueFull: true, // the Publisher's own tokens apply backpressure
		CompressionType:         compression,
		DisableBatching:         c.DisableBatching,
		BatchingMaxMessages:     c.BatchingMaxMessages,
		BatchingMaxPublishDelay: c.BatchingMaxPublishDelay,
		BatchingMaxSize:         c.BatchingMaxSize,
		BatcherBuilderType:      pulsar.KeyBasedBatchBuilder,
		BackOffPolicyFunc:       newReconnectBackoff(c.MaxReconnectBackoff),
	}
	if c.DisableKeyBasedBatching {
		opts.BatcherBuilderType = pulsar.DefaultBatchBuilder
	}
	if c.ProducerNamePrefix != "" {
		opts.Name = c.ProducerNamePrefix + "-" + producerNameSuffix(topic)
	}
	return opts
}

// producerNameSuffix turns a topic name into a readable producer-name suffix:
// "persistent://public/default/dict" becomes "persistent-public-default-dict".
func producerNameSuffix(topic string) string {
	return strings.NewReplacer("://", "-", "/", "-").Replace(topic)
}
