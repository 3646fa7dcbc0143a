package middleware

import (
	"context"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
)

// Timeout gives each handler attempt its own deadline. Unlike Watermill's
// Timeout middleware, it restores the message's context afterwards, so an
// attempt that timed out does not leave the next retry with a cancelled
// context. A zero or negative d disables it.
func Timeout(d time.Duration) message.HandlerMiddleware {
	return func(h message.HandlerFunc) message.HandlerFunc {
		if d <= 0 {
			return h
		}
		return func(msg *message.Message) ([]*message.Message, error) {
			parent := msg.Context()
			ctx, cancel := context.WithTimeout(parent, d)
			defer cancel()
			msg.SetContext(ctx)
			defer msg.SetContext(parent)
			return h(msg)
		}
	}
}
