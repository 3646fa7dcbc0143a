package pulsaradapter

import (
	"errors"
	"fmt"
	"time"

	"github.com/apache/pulsar-client-go/pulsar"
)

// Subscriber defaults.
const (
	// DefaultNackRedeliveryDelay is how long after a Nack the message is
	// delivered again (Pulsar's own default is one minute).
	DefaultNackRedeliveryDelay = 200 * time.Millisecond
	// DefaultReceiverQueueSize is how many messages each consumer prefetches.
	DefaultReceiverQueueSize = 1000
)

// SubscriptionType selects how a subscription shares messages among its consumers.
type SubscriptionType string

// SubscriptionType values. The zero value means SubscriptionKeyShared.
const (
	// SubscriptionKeyShared spreads keys across consumers; the messages of one
	// key go to one consumer at a time, in order. Messages without a key are
	// spread like SubscriptionShared (Pulsar 4 derives a fallback key from the
	// producer name and sequence ID), so they are ordered only when the
	// subscription has a single consumer.
	SubscriptionKeyShared SubscriptionType = "key_shared"
	// SubscriptionShared spreads messages round-robin across consumers, with
	// no ordering guarantee.
	SubscriptionShared SubscriptionType = "shared"
	// SubscriptionFailover delivers everything, in order, to one active
	// consumer; the others take over if it goes away. As with
	// SubscriptionExclusive, a Nack makes the broker rewind and redeliver
	// every unacknowledged message (duplicates).
	SubscriptionFailover SubscriptionType = "failover"
	// SubscriptionExclusive allows a single consumer on the subscription.
	// A Nack makes the broker redeliver every unacknowledged message (duplicates).
	SubscriptionExclusive SubscriptionType = "exclusive"
)

func (t SubscriptionType) pulsarType() (pulsar.SubscriptionType, error) {
	switch t {
	case SubscriptionKeyShared:
		return pulsar.KeyShared, nil
	case SubscriptionShared:
		return pulsar.Shared, nil
	case SubscriptionFailover:
		return pulsar.Failover, nil
	case SubscriptionExclusive:
		return pulsar.Exclusive, nil
	default:
		return 0, fmt.Errorf("unknown subscription type %q (want key_shared, shared, failover or exclusive)", string(t))
	}
}

// InitialPosition selects where a subscription created by this subscriber starts.
// It has no effect on a subscription that already exists.
type InitialPosition string

// InitialPosition values. The zero value means InitialPositionEarliest.
const (
	// InitialPositionEarliest starts at the oldest message still retained.
	InitialPositionEarliest InitialPosition = "earliest"
	// InitialPositionLatest starts after the newest message.
	InitialPositionLatest InitialPosition = "latest"
)

func (p InitialPosition) pulsarPosition() (pulsar.SubscriptionInitialPosition, error) {
	switch p {
	case InitialPositionEarliest:
		return pulsar.SubscriptionPositionEarliest, nil
	case InitialPositionLatest:
		return pulsar.SubscriptionPositionLatest, nil
	default:
		return 0, fmt.Errorf("unknown initial position %q (want earliest or latest)", string(p))
	}
}

// SubscriberConfig configures a Subscriber. Zero values are replaced by the
// defaults documented on each field.
type SubscriberConfig struct {
	ClientConfig

	// SubscriptionName is the durable Pulsar subscription, i.e. the consumer
	// group: every Subscriber with the same name shares the messages of a
	// topic, each name receives every message once. Required: a generated name
	// would leave an abandoned subscription (and its growing backlog) on the
	// broker after every restart.
	SubscriptionName string

	// SubscriptionType of the subscription. Default SubscriptionKeyShared.
	// All consumers of one subscription must use the same type.
	SubscriptionType SubscriptionType

	// InitialPosition of a subscription created by this subscriber.
	// Default InitialPositionEarliest.
	InitialPosition InitialPosition

	// ConsumersCount is how many Pulsar consumers each Subscribe call opens.
	// Each handles one message at a time, so this is the subscription's
	// parallelism within this process. Default 1. SubscriptionExclusive allows
	// only 1; with SubscriptionFailover only one of them is active.
	ConsumersCount int

	// NackRedeliveryDelay is how long after a Nack the message is delivered
	// again. Default 200ms. The client rounds redelivery times to 256ms.
	NackRedeliveryDelay time.Duration

	// ReceiverQueueSize is how many messages each consumer prefetches.
	// Default 1000.
	ReceiverQueueSize int

	// AsyncAck sends acknowledgements grouped and without waiting for the
	// broker (Pulsar's default), trading visibility of failed acks for
	// throughput. By default each Ack waits for the broker's response and a
	// failure is logged; either way an unacknowledged message is redelivered.
	AsyncAck bool

	// PartitionKeyMetadata names the metadata entry that receives the Pulsar
	// key of a message published without it (by a non-Watermill producer).
	// Default "partition_key".
	PartitionKeyMetadata string

	// CloseTimeout bounds how long Close waits for messages already handed to
	// a handler to be acked or nacked; their contexts are cancelled when it
	// expires. Default 30s.
	CloseTimeout time.Duration
}

func (c *SubscriberConfig) setDefaults() {
	c.ClientConfig.setDefaults()
	if c.SubscriptionType == "" {
		c.SubscriptionType = SubscriptionKeyShared
	}
	if c.InitialPosition == "" {
		c.InitialPosition = InitialPositionEarliest
	}
	if c.ConsumersCount == 0 {
		c.ConsumersCount = 1
	}
	if c.NackRedeliveryDelay == 0 {
		c.NackRedeliveryDelay = DefaultNackRedeliveryDelay
	}
	if c.ReceiverQueueSize == 0 {
		c.ReceiverQueueSize = DefaultReceiverQueueSize
	}
	if c.PartitionKeyMetadata == "" {
		c.PartitionKeyMetadata = DefaultPartitionKeyMetadata
	}
	if c.CloseTimeout == 0 {
		c.CloseTimeout = DefaultCloseTimeout
	}
}

// Validate reports whether the configuration is usable. NewSubscriber applies
// defaults before validating.
func (c SubscriberConfig) Validate() error {
	errs := []error{c.ClientConfig.Validate()}
	if c.SubscriptionName == "" {
		errs = append(errs, errors.New("SubscriptionName is required"))
	}
	if _, err := c.SubscriptionType.pulsarType(); err != nil {
		errs = append(errs, err)
	}
	if _, err := c.InitialPosition.pulsarPosition(); err != nil {
		errs = append(errs, err)
	}
	if c.ConsumersCount <= 0 {
		errs = append(errs, fmt.Errorf("ConsumersCount must be positive, got %d", c.ConsumersCount))
	}
	if c.SubscriptionType == SubscriptionExclusive && c.ConsumersCount > 1 {
		errs = append(errs, fmt.Errorf("an exclusive subscription allows one consumer, ConsumersCount is %d", c.ConsumersCount))
	}
	if c.NackRedeliveryDelay <= 0 {
		errs = append(errs, fmt.Errorf("NackRedeliveryDelay must be positive, got %s", c.NackRedeliveryDelay))
	}
	if c.ReceiverQueueSize <= 0 {
		errs = append(errs, fmt.Errorf("ReceiverQueueSize must be positive, got %d", c.ReceiverQueueSize))
	}
	if c.PartitionKeyMetadata == "" {
		errs = append(errs, errors.New("PartitionKeyMetadata must not be empty"))
	}
	if c.CloseTimeout <= 0 {
		errs = append(errs, fmt.Errorf("CloseTimeout must be positive, got %s", c.CloseTimeout))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("invalid pulsar subscriber config: %w", err)
	}
	return nil
}

func (c SubscriberConfig) consumerOptions(topic string) pulsar.ConsumerOptions {
	subType, _ := c.SubscriptionType.pulsarType()     // validated
	position, _ := c.InitialPosition.pulsarPosition() // validated
	return pulsar.ConsumerOptions{
		Topic:                       topic,
		SubscriptionName:            c.SubscriptionName,
		Type:                        subType,
		SubscriptionInitialPosition: position,
		NackRedeliveryDelay:         c.NackRedeliveryDelay,
		ReceiverQueueSize:           c.ReceiverQueueSize,
		AckWithResponse:             !c.AsyncAck,
		BackOffPolicyFunc:           newReconnectBackoff(c.MaxReconnectBackoff),
	}
}
