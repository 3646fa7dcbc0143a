// Package router consumes DICT entry events: it decodes each message into
// its protobuf event and calls the matching typed handler, on a Watermill
// router with correlation-ID propagation, retry with exponential backoff and
// a poison queue. Any Watermill subscriber and publisher will do; package
// broker opens them from a URL.
package router

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	wmiddleware "github.com/ThreeDotsLabs/watermill/message/router/middleware"

	eventsv1 "github.com/lbpay-lab/dict-events/events/v1"
	"github.com/lbpay-lab/dict-events/middleware"
)

// Handlers are the typed handlers; a nil handler leaves its topics
// unsubscribed. Delivery is at least once: a handler may see an event again
// (after a crash, a redelivery or a producer retry) and must be idempotent,
// e.g. by remembering EventId.
//
// A returned error is retried; wrap it with middleware.Permanent to send the
// message to the poison queue at once. The context carries the correlation
// ID (middleware.CorrelationIDFromContext): pass it to the producer and the
// events the handler publishes keep the chain's ID.
type Handlers struct {
	// OnCreated handles dict.entries.created.
	OnCreated func(ctx context.Context, ev *eventsv1.EntryCreatedEvent) error
	// OnUpdated handles dict.entries.updated.
	OnUpdated func(ctx context.Context, ev *eventsv1.EntryUpdatedEvent) error
	// OnDeleted handles both deletion topics; ev.DeletionType tells them apart.
	OnDeleted func(ctx context.Context, ev *eventsv1.EntryDeletedEvent) error
}

// Router routes DICT entry events to Handlers.
type Router struct {
	router *message.Router
}

// New builds a router that consumes from sub and publishes poisoned
// messages with pub. Both stay the caller's: Close does not close them.
// Middleware, outermost first: recoverer, correlation ID, poison queue,
// retry, per-attempt timeout.
func New(config Config, sub message.Subscriber, pub message.Publisher, handlers Handlers, logger watermill.LoggerAdapter) (*Router, error) {
	config.setDefaults()
	if err := config.Validate(); err != nil {
		return nil, err
	}
	if sub == nil || pub == nil {
		return nil, errors.New("router: subscriber and publisher are required")
	}
	if handlers.OnCreated == nil && handlers.OnUpdated == nil && handlers.OnDeleted == nil {
		return nil, errors.New("router: at least one handler is required")
	}
	if logger == nil {
		logger = watermill.NopLogger{}
	}

	r, err := message.NewRouter(message.RouterConfig{CloseTimeout: config.CloseTimeout}, logger)
	if err != nil {
		return nil, fmt.Errorf("router: %w", err)
	}
	poison, err := middleware.NewPoisonQueue(pub, config.PoisonTopic, logger)
	if err != nil {
		return nil, fmt.Errorf("router: %w", err)
	}
	retryConfig := config.Retry
	userOnRetry := retryConfig.OnRetry
	retryConfig.OnRetry = func(msg *message.Message, retry int, delay time.Duration, err error) {
		logger.Info("Handler failed, retrying", watermill.LogFields{
			"message_uuid": msg.UUID, "topic": message.SubscribeTopicFromCtx(msg.Context()),
			"retry": retry, "delay": delay.String(), "err": err.Error(),
		})
		if userOnRetry != nil {
			userOnRetry(msg, retry, delay, err)
		}
	}
	retry, err := middleware.NewRetry(retryConfig)
	if err != nil {
		return nil, fmt.Errorf("router: %w", err)
	}
	r.AddMiddleware(
		wmiddleware.Recoverer,
		middleware.CorrelationID,
		poison,
		retry,
		middleware.Timeout(config.HandlerTimeout),
	)

	// Watermill's router closes its handlers' subscriber when it closes; the
	// caller opened sub (on mem:// it is the whole bus) and closes it.
	sub = callerOwned{sub}
	for _, route := range routes(handlers) {
		r.AddConsumerHandler(config.Name+"."+route.name, route.topic, sub, route.handle)
	}
	return &Router{router: r}, nil
}

// callerOwned keeps the router from closing a subscriber it does not own;
// cancelling the subscription context still ends its consumers.
type callerOwned struct{ message.Subscriber }

func (callerOwned) Close() error { return nil }

// Run consumes until ctx is cancelled or Close is called.
func (r *Router) Run(ctx context.Context) error { return r.router.Run(ctx) }

// Running is closed once every handler has subscribed.
func (r *Router) Running() chan struct{} { return r.router.Running() }

// Close stops consuming, waiting up to Config.CloseTimeout for handlers in
// progress. Messages not acked by then are redelivered by the broker.
func (r *Router) Close() error { return r.router.Close() }

// Watermill returns the underlying router, e.g. to add Prometheus metrics
// (components/metrics) before Run.
func (r *Router) Watermill() *message.Router { return r.router }

// Topics returns the topics handlers consume, in a stable order.
func Topics(h Handlers) []string {
	var out []string
	for _, route := range routes(h) {
		out = append(out, route.topic)
	}
	return out
}
