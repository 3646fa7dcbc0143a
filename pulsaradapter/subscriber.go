package pulsaradapter

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/apache/pulsar-client-go/pulsar"
)

// ErrSubscriberClosed is returned by Subscribe and SubscribeInitialize after Close.
var ErrSubscriberClosed = errors.New("pulsar subscriber is closed")

// Backoff between attempts to replace a consumer that the client closed.
const (
	resubscribeMinDelay = 500 * time.Millisecond
	resubscribeMaxDelay = 30 * time.Second
)

// Subscriber consumes Watermill messages from Pulsar. It implements
// message.Subscriber and message.SubscribeInitializer and is safe for
// concurrent use. Every Subscribe call opens ConsumersCount consumers on the
// durable subscription SubscriberConfig.SubscriptionName.
type Subscriber struct {
	config SubscriberConfig
	logger watermill.LoggerAdapter
	client pulsar.Client

	mu     sync.Mutex
	closed bool
	// running counts Subscribe and SubscribeInitialize calls and subscriptions
	// whose output channel is still open; only incremented under mu while !closed.
	running sync.WaitGroup

	// closingCtx is cancelled when Close starts: consumers stop receiving.
	// graceOver is closed CloseTimeout later: messages in handlers stop being
	// waited for.
	closingCtx    context.Context
	cancelClosing context.CancelFunc
	graceOver     chan struct{}

	closeOnce sync.Once
}

var (
	_ message.Subscriber           = (*Subscriber)(nil)
	_ message.SubscribeInitializer = (*Subscriber)(nil)
)

// NewSubscriber creates a Subscriber. It connects lazily, on the first
// Subscribe or SubscribeInitialize. A nil logger means watermill.NopLogger.
func NewSubscriber(config SubscriberConfig, logger watermill.LoggerAdapter) (*Subscriber, error) {
	config.setDefaults()
	if err := config.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = watermill.NopLogger{}
	}
	client, err := newClient(config.ClientConfig, logger)
	if err != nil {
		return nil, err
	}
	closingCtx, cancel := context.WithCancel(context.Background())
	return &Subscriber{
		config:        config,
		logger:        logger,
		client:        client,
		closingCtx:    closingCtx,
		cancelClosing: cancel,
		graceOver:     make(chan struct{}),
	}, nil
}

// begin registers a call in running, unless the subscriber is closed.
func (s *Subscriber) begin() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrSubscriberClosed
	}
	s.running.Add(1)
	return nil
}

// SubscribeInitialize creates the durable subscription on topic (and the topic,
// if the broker auto-creates topics) without consuming, so that messages
// published before the first Subscribe are kept for it.
func (s *Subscriber) SubscribeInitialize(topic string) error {
	if topic == "" {
		return errors.New("pulsar subscribe initialize: topic is empty")
	}
	if err := s.begin(); err != nil {
		return fmt.Errorf("pulsar subscribe initialize topic %q: %w", topic, err)
	}
	defer s.running.Done()

	consumer, err := s.client.Subscribe(s.config.consumerOptions(topic))
	if err != nil {
		return fmt.Errorf("pulsar subscribe initialize topic %q subscription %q: %w",
			topic, s.config.SubscriptionName, err)
	}
	consumer.Close()
	return nil
}

// Subscribe opens ConsumersCount consumers on topic and returns the channel of
// their messages. Each consumer hands over one message at a time and waits for
// its Ack (acknowledged to Pulsar) or Nack (redelivered after
// NackRedeliveryDelay) before receiving the next. Each message's context is
// derived from ctx and cancelled once it is acked or nacked. Cancelling ctx,
// or Close, closes the consumers and then the channel; messages not acked by
// then are redelivered.
func (s *Subscriber) Subscribe(ctx context.Context, topic string) (<-chan *message.Message, error) {
	if topic == "" {
		return nil, errors.New("pulsar subscribe: topic is empty")
	}
	if err := s.begin(); err != nil {
		return nil, fmt.Errorf("pulsar subscribe to topic %q: %w", topic, err)
	}

	consumers := make([]pulsar.Consumer, 0, s.config.ConsumersCount)
	for range s.config.ConsumersCount {
		consumer, err := s.client.Subscribe(s.config.consumerOptions(topic))
		if err != nil {
			for _, c := range consumers {
				c.Close()
			}
			s.running.Done()
			return nil, fmt.Errorf("pulsar subscribe to topic %q subscription %q: %w",
				topic, s.config.SubscriptionName, err)
		}
		consumers = append(consumers, consumer)
	}

	logger := s.logger.With(watermill.LogFields{
		"topic":        topic,
		"subscription": s.config.SubscriptionName,
	})
	out := make(chan *message.Message)
	var wg sync.WaitGroup
	for _, consumer := range consumers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.consume(ctx, topic, consumer, out, logger)
		}()
	}
	go func() {
		wg.Wait()
		close(out)
		s.running.Done()
		logger.Debug("Pulsar subscription closed", nil)
	}()
	return out, nil
}

// consume runs one consumer until ctx is cancelled or the subscriber closes,
// then closes it.
func (s *Subscriber) consume(ctx context.Context, topic string, consumer pulsar.Consumer,
	out chan<- *message.Message, logger watermill.LoggerAdapter) {
	recvCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(s.closingCtx, cancel)
	defer stop()
	defer func() {
		if consumer != nil {
			consumer.Close()
		}
	}()

	for {
		pm, err := consumer.Receive(recvCtx)
		if err != nil {
			if recvCtx.Err() != nil {
				return
			}
			// The client closed the consumer itself (e.g. a non-retriable
			// error while reconnecting). Replace it rather than ending the
			// subscription silently.
			logger.Error("Pulsar consumer stopped; subscribing again", err, nil)
			consumer.Close()
			consumer = s.resubscribe(recvCtx, topic, logger)
			if consumer == nil {
				return
			}
			continue
		}
		if !s.handle(ctx, recvCtx, consumer, pm, out, logger) {
			return
		}
	}
}

// handle hands pm to the output channel and waits for its Ack or Nack. It
// returns false when the consumer must stop.
func (s *Subscriber) handle(ctx, recvCtx context.Context, consumer pulsar.Consumer, pm pulsar.Message,
	out chan<- *message.Message, logger watermill.LoggerAdapter) bool {
	if recvCtx.Err() != nil {
		return false // received while stopping: left unacknowledged, redelivered
	}
	msg := toWatermillMessage(pm, s.config.PartitionKeyMetadata)
	msgCtx, cancelMsg := context.WithCancel(ctx)
	defer cancelMsg()
	msg.SetContext(msgCtx)

	select {
	case out <- msg:
	case <-recvCtx.Done():
		// Not handed over: it stays unacknowledged and is redelivered once
		// this consumer is closed.
		return false
	}

	// Once Close starts, the handler still has until graceOver to finish.
	select {
	case <-msg.Acked():
		return s.ack(ctx, consumer, pm, msg, logger)
	case <-msg.Nacked():
		consumer.Nack(pm) // non-blocking: redelivered after NackRedeliveryDelay
		return true
	case <-ctx.Done():
		return false
	case <-s.graceOver:
		logger.Info("Pulsar subscriber close timeout: message left unacknowledged, it will be redelivered",
			watermill.LogFields{"message_uuid": msg.UUID, "close_timeout": s.config.CloseTimeout})
		return false
	}
}

// ack acknowledges pm and, unless AsyncAck is set, waits for the broker's
// answer, logging a failure (the message is then redelivered, not lost). An
// ack waits while the consumer reconnects, so the wait ends early, with the
// ack possibly still in progress, if the subscription is cancelled or the
// close grace period ends.
func (s *Subscriber) ack(ctx context.Context, consumer pulsar.Consumer, pm pulsar.Message, msg *message.Message,
	logger watermill.LoggerAdapter) bool {
	done := make(chan error, 1)
	go func() { done <- consumer.Ack(pm) }()
	select {
	case err := <-done:
		if err != nil {
			logger.Error("Pulsar ack failed; the message will be redelivered", err, watermill.LogFields{
				"message_uuid": msg.UUID,
				"message_id":   pm.ID().String(),
			})
		}
		return true
	case <-ctx.Done():
	case <-s.graceOver:
	}
	logger.Info("Pulsar ack unconfirmed when the subscription ended; the message may be redelivered",
		watermill.LogFields{"message_uuid": msg.UUID, "message_id": pm.ID().String()})
	return false
}

// resubscribe creates a new consumer for topic, retrying with backoff until it
// succeeds or ctx is done (then it returns nil).
func (s *Subscriber) resubscribe(ctx context.Context, topic string, logger watermill.LoggerAdapter) pulsar.Consumer {
	delay := resubscribeMinDelay
	for {
		timer := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-timer.C:
		}
		consumer, err := s.client.Subscribe(s.config.consumerOptions(topic))
		if err == nil {
			logger.Info("Pulsar consumer subscribed again", nil)
			return consumer
		}
		logger.Error("Pulsar resubscribe failed", err, watermill.LogFields{"retry_in": delay})
		delay = min(2*delay, resubscribeMaxDelay)
	}
}

// Close ends every subscription: consumers stop receiving, messages already
// handed to a handler get up to CloseTimeout to be acked or nacked (then their
// contexts are cancelled and they stay unacknowledged, to be redelivered),
// consumers are closed, output channels are closed, and the client is closed.
// It takes at most about CloseTimeout plus the time to close the consumers
// (bounded by OperationTimeout). Close is idempotent.
func (s *Subscriber) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.cancelClosing()
		grace := time.AfterFunc(s.config.CloseTimeout, func() { close(s.graceOver) })

		s.running.Wait()
		grace.Stop()
		s.client.Close()
	})
	return nil
}
