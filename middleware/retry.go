package middleware

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
)

// RetryConfig configures Retry: exponential backoff without jitter, so the
// delays are exactly InitialInterval, InitialInterval*Multiplier, ... capped
// at MaxInterval.
type RetryConfig struct {
	// MaxRetries is how many times a failed attempt is retried. Zero means
	// the default (3); a negative value means never retry.
	MaxRetries int
	// InitialInterval is the delay before the first retry. Default 1 s.
	InitialInterval time.Duration
	// Multiplier grows the delay after each retry. Default 2.
	Multiplier float64
	// MaxInterval caps a single delay. Default 1 min.
	MaxInterval time.Duration
	// OnRetry, when set, is called before each retry's delay with the retry
	// number (1-based), the delay and the error that caused it; use it for
	// logs and metrics. It does not change the delays.
	OnRetry func(msg *message.Message, retry int, delay time.Duration, err error)
}

// DefaultRetryConfig returns 3 retries after 1 s, 2 s and 4 s.
func DefaultRetryConfig() RetryConfig {
	c := RetryConfig{}
	c.setDefaults()
	return c
}

// WithDefaults returns c with every unset field at its default.
func (c RetryConfig) WithDefaults() RetryConfig {
	c.setDefaults()
	return c
}

func (c *RetryConfig) setDefaults() {
	if c.MaxRetries == 0 {
		c.MaxRetries = 3
	}
	if c.InitialInterval == 0 {
		c.InitialInterval = time.Second
	}
	if c.Multiplier == 0 {
		c.Multiplier = 2
	}
	if c.MaxInterval == 0 {
		c.MaxInterval = time.Minute
	}
}

// Validate reports a configuration that cannot work.
func (c RetryConfig) Validate() error {
	if c.InitialInterval < 0 || c.MaxInterval < 0 {
		return errors.New("retry: intervals must not be negative")
	}
	if c.Multiplier != 0 && c.Multiplier < 1 {
		return fmt.Errorf("retry: multiplier %v must be at least 1", c.Multiplier)
	}
	return nil
}

// Retries is the number of retries after the first attempt (never negative),
// unset fields taking their defaults.
func (c RetryConfig) Retries() int {
	return max(c.WithDefaults().MaxRetries, 0)
}

// Delay is the wait before retry number n (1-based), unset fields taking
// their defaults.
func (c RetryConfig) Delay(n int) time.Duration {
	c.setDefaults()
	d := float64(c.InitialInterval) * math.Pow(c.Multiplier, float64(n-1))
	if d > float64(c.MaxInterval) {
		return c.MaxInterval
	}
	return time.Duration(d)
}

// AttemptsError is what Retry returns when it gives up: the last error and
// how many times the handler ran.
type AttemptsError struct {
	Attempts int
	Err      error
}

func (e *AttemptsError) Error() string {
	return fmt.Sprintf("failed after %d attempt(s): %v", e.Attempts, e.Err)
}

// Unwrap returns the handler's last error.
func (e *AttemptsError) Unwrap() error { return e.Err }

// ErrRetryAborted is returned when the message's context ends (the router is
// shutting down) while Retry waits; the message is then not acked, so the
// broker delivers it again.
var ErrRetryAborted = errors.New("retry aborted: message context done")

// NewRetry returns a middleware that retries a failing handler with
// exponential backoff. Errors marked Permanent are not retried. When it gives
// up it returns an *AttemptsError.
func NewRetry(config RetryConfig) (message.HandlerMiddleware, error) {
	config.setDefaults()
	if err := config.Validate(); err != nil {
		return nil, err
	}
	return func(h message.HandlerFunc) message.HandlerFunc {
		return func(msg *message.Message) ([]*message.Message, error) {
			for attempt := 1; ; attempt++ {
				produced, err := h(msg)
				if err == nil {
					return produced, nil
				}
				if IsPermanent(err) || attempt > config.Retries() {
					return nil, &AttemptsError{Attempts: attempt, Err: err}
				}
				delay := config.Delay(attempt)
				if config.OnRetry != nil {
					config.OnRetry(msg, attempt, delay, err)
				}
				timer := time.NewTimer(delay)
				select {
				case <-timer.C:
				case <-msg.Context().Done():
					timer.Stop()
					return nil, fmt.Errorf("%w after %d attempt(s): %w", ErrRetryAborted, attempt, err)
				}
			}
		}
	}, nil
}
