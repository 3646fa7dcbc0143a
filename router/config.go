package router

import (
	"errors"
	"time"

	"github.com/lbpay-lab/dict-events/events"
	"github.com/lbpay-lab/dict-events/middleware"
)

// Config tunes a Router.
type Config struct {
	// Name prefixes handler names ("<Name>.created", ...), which show in
	// logs, metrics and the poison queue's handler_poisoned. Default
	// "dict-events".
	Name string
	// Retry is how a failing handler is retried before its message is
	// poisoned. Default: 3 retries after 1 s, 2 s and 4 s.
	Retry middleware.RetryConfig
	// HandlerTimeout bounds each handler attempt. Default 30 s.
	HandlerTimeout time.Duration
	// PoisonTopic receives messages that could not be handled. Default
	// events.TopicDLQ.
	PoisonTopic string
	// CloseTimeout is how long Close waits for handlers in progress.
	// Default 30 s.
	CloseTimeout time.Duration
}

func (c *Config) setDefaults() {
	if c.Name == "" {
		c.Name = "dict-events"
	}
	c.Retry = c.Retry.WithDefaults()
	if c.HandlerTimeout == 0 {
		c.HandlerTimeout = 30 * time.Second
	}
	if c.PoisonTopic == "" {
		c.PoisonTopic = events.TopicDLQ
	}
	if c.CloseTimeout == 0 {
		c.CloseTimeout = 30 * time.Second
	}
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	if c.HandlerTimeout < 0 || c.CloseTimeout < 0 {
		return errors.New("router: timeouts must not be negative")
	}
	return c.Retry.Validate()
}
