package middleware

import (
	"context"

	"github.com/ThreeDotsLabs/watermill/message"
	wmiddleware "github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/google/uuid"
)

type correlationIDKey struct{}

// WithCorrelationID returns a context carrying the correlation ID. The
// producer reads it back when publishing, so a handler that publishes with
// the context it was given keeps the chain's ID.
func WithCorrelationID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, correlationIDKey{}, id)
}

// CorrelationIDFromContext returns the correlation ID in ctx, if any.
func CorrelationIDFromContext(ctx context.Context) (string, bool) {
	id, ok := ctx.Value(correlationIDKey{}).(string)
	return id, ok && id != ""
}

// CorrelationID makes sure every handled message has a correlation ID: it
// takes the message's (Watermill's correlation_id metadata) or creates one
// when a producer outside this module sent none, stores it on the message,
// puts it in the handler's context and copies it onto every message the
// handler returns.
func CorrelationID(h message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		id := wmiddleware.MessageCorrelationID(msg)
		if id == "" {
			id = uuid.NewString()
			wmiddleware.SetCorrelationID(id, msg)
		}
		msg.SetContext(WithCorrelationID(msg.Context(), id))

		produced, err := h(msg)
		for _, p := range produced {
			wmiddleware.SetCorrelationID(id, p)
		}
		return produced, err
	}
}
