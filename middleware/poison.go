package middleware

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	wmiddleware "github.com/ThreeDotsLabs/watermill/message/router/middleware"
)

// Metadata keys PoisonQueue adds. The first four are Watermill's own names.
const (
	MetadataPoisonReason     = wmiddleware.ReasonForPoisonedKey
	MetadataPoisonTopic      = wmiddleware.PoisonedTopicKey
	MetadataPoisonHandler    = wmiddleware.PoisonedHandlerKey
	MetadataPoisonSubscriber = wmiddleware.PoisonedSubscriberKey
	// MetadataPoisonAttempts holds how many times the handler ran.
	MetadataPoisonAttempts = "attempts_poisoned"
	// MetadataPoisonPermanent is "true" when the error was Permanent (not
	// retried), "false" when retries were exhausted.
	MetadataPoisonPermanent = "permanent_poisoned"
)

// PoisonMetadataKeys returns every metadata key PoisonQueue adds; removing
// them gives back the message as it was first published.
func PoisonMetadataKeys() []string {
	return []string{
		MetadataPoisonReason, MetadataPoisonTopic, MetadataPoisonHandler,
		MetadataPoisonSubscriber, MetadataPoisonAttempts, MetadataPoisonPermanent,
	}
}

// ErrPoisonQueuePublish wraps a failure to publish to the poison queue. The
// handler then fails, the message is nacked and the broker redelivers it:
// a message is never acked unless it was handled or poisoned.
var ErrPoisonQueuePublish = errors.New("poison queue publish failed")

// NewPoisonQueue returns a middleware that publishes a message whose handler
// failed to topic, with its UUID, payload and metadata unchanged plus the
// reason, origin topic, handler, subscriber, attempt count and permanence,
// and then acks it so the messages behind it flow. Place it outside Retry.
//
// A failure while the message's context is done (the router shutting down)
// is not poisoned: the message is left unacked for redelivery.
// Every poisoned message is logged at error level; a nil logger logs nothing.
func NewPoisonQueue(pub message.Publisher, topic string, logger watermill.LoggerAdapter) (message.HandlerMiddleware, error) {
	if logger == nil {
		logger = watermill.NopLogger{}
	}
	if pub == nil {
		return nil, errors.New("poison queue: publisher is nil")
	}
	if topic == "" {
		return nil, errors.New("poison queue: topic is empty")
	}
	return func(h message.HandlerFunc) message.HandlerFunc {
		return func(msg *message.Message) ([]*message.Message, error) {
			produced, err := h(msg)
			if err == nil {
				return produced, nil
			}
			if msg.Context().Err() != nil {
				return nil, err
			}
			poisoned := poisonedCopy(msg, err)
			fields := watermill.LogFields{
				"message_uuid": msg.UUID,
				"topic":        poisoned.Metadata.Get(MetadataPoisonTopic),
				"handler":      poisoned.Metadata.Get(MetadataPoisonHandler),
				"attempts":     poisoned.Metadata.Get(MetadataPoisonAttempts),
				"poison_topic": topic,
			}
			if pubErr := pub.Publish(topic, poisoned); pubErr != nil {
				logger.Error("Poison queue publish failed; message left for redelivery", pubErr, fields)
				return nil, fmt.Errorf("%w to %s: %w (handler error: %w)", ErrPoisonQueuePublish, topic, pubErr, err)
			}
			logger.Error("Message poisoned", err, fields)
			return nil, nil
		}
	}, nil
}

// reason is the handler's own error text, without Retry's "failed after
// N attempt(s)" wrapper (the attempt count has a key of its own).
func reason(err error) string {
	var ae *AttemptsError
	if errors.As(err, &ae) && ae.Err != nil {
		return ae.Err.Error()
	}
	return err.Error()
}

func poisonedCopy(msg *message.Message, err error) *message.Message {
	p := msg.Copy()
	ctx := msg.Context()
	p.Metadata.Set(MetadataPoisonReason, reason(err))
	p.Metadata.Set(MetadataPoisonTopic, message.SubscribeTopicFromCtx(ctx))
	p.Metadata.Set(MetadataPoisonHandler, message.HandlerNameFromCtx(ctx))
	p.Metadata.Set(MetadataPoisonSubscriber, message.SubscriberNameFromCtx(ctx))
	p.Metadata.Set(MetadataPoisonPermanent, strconv.FormatBool(IsPermanent(err)))
	attempts := 1
	var ae *AttemptsError
	if errors.As(err, &ae) {
		attempts = ae.Attempts
	}
	p.Metadata.Set(MetadataPoisonAttempts, strconv.Itoa(attempts))
	return p
}
