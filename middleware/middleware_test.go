package middleware_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lbpay-lab/dict-events/middleware"
)

func TestRetryDelays(t *testing.T) {
	tests := []struct {
		name string
		cfg  middleware.RetryConfig
		want []time.Duration
	}{
		{"defaults", middleware.DefaultRetryConfig(), []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}},
		{"capped", middleware.RetryConfig{InitialInterval: time.Second, Multiplier: 3, MaxInterval: 5 * time.Second}.WithDefaults(),
			[]time.Duration{time.Second, 3 * time.Second, 5 * time.Second}},
		{"constant", middleware.RetryConfig{InitialInterval: time.Second, Multiplier: 1}.WithDefaults(),
			[]time.Duration{time.Second, time.Second, time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []time.Duration
			for n := 1; n <= len(tt.want); n++ {
				got = append(got, tt.cfg.Delay(n))
			}
			assert.Equal(t, tt.want, got)
		})
	}
	assert.Equal(t, 3, middleware.DefaultRetryConfig().Retries())
	assert.Equal(t, 0, middleware.RetryConfig{MaxRetries: -1}.WithDefaults().Retries())
}

func newMsg(ctx context.Context) *message.Message {
	m := message.NewMessage("m", nil)
	m.SetContext(ctx)
	return m
}

func TestRetryStopsOnPermanentAndReportsAttempts(t *testing.T) {
	retry, err := middleware.NewRetry(middleware.RetryConfig{MaxRetries: 5, InitialInterval: time.Millisecond})
	require.NoError(t, err)
	calls := 0
	cause := errors.New("bad")
	_, err = retry(func(*message.Message) ([]*message.Message, error) {
		calls++
		if calls == 2 {
			return nil, middleware.Permanent(cause)
		}
		return nil, errors.New("transient")
	})(newMsg(context.Background()))
	var ae *middleware.AttemptsError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 2, ae.Attempts)
	assert.ErrorIs(t, err, cause)
	assert.True(t, middleware.IsPermanent(err))
}

func TestRetryAbortsWhenMessageContextEnds(t *testing.T) {
	retry, err := middleware.NewRetry(middleware.RetryConfig{MaxRetries: 3, InitialInterval: time.Hour})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	_, err = retry(func(*message.Message) ([]*message.Message, error) {
		calls++
		cancel()
		return nil, errors.New("x")
	})(newMsg(ctx))
	assert.ErrorIs(t, err, middleware.ErrRetryAborted)
	assert.Equal(t, 1, calls)
}

func TestPoisonQueueDoesNotPoisonDuringShutdown(t *testing.T) {
	pub := &countingPublisher{}
	poison, err := middleware.NewPoisonQueue(pub, "dlq", nil)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = poison(func(*message.Message) ([]*message.Message, error) { return nil, errors.New("x") })(newMsg(ctx))
	assert.Error(t, err, "left unacked for redelivery")
	assert.Zero(t, pub.n)
}

type countingPublisher struct{ n int }

func (c *countingPublisher) Publish(string, ...*message.Message) error { c.n++; return nil }
func (c *countingPublisher) Close() error                              { return nil }

func TestTimeoutGivesEachAttemptAFreshDeadline(t *testing.T) {
	retry, err := middleware.NewRetry(middleware.RetryConfig{MaxRetries: 2, InitialInterval: time.Millisecond})
	require.NoError(t, err)
	var errs []error
	h := retry(middleware.Timeout(5 * time.Millisecond)(func(m *message.Message) ([]*message.Message, error) {
		<-m.Context().Done()
		errs = append(errs, m.Context().Err())
		return nil, m.Context().Err()
	}))
	parent := newMsg(context.Background())
	_, err = h(parent)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Len(t, errs, 3, "every attempt ran until its own deadline")
	assert.NoError(t, parent.Context().Err(), "the message context is restored")
}

func TestPermanent(t *testing.T) {
	assert.Nil(t, middleware.Permanent(nil))
	cause := errors.New("c")
	err := middleware.Permanent(cause)
	assert.ErrorIs(t, err, cause)
	assert.ErrorIs(t, err, middleware.ErrPermanent)
	assert.Equal(t, "c", err.Error())
	assert.False(t, middleware.IsPermanent(cause))
}

func TestCorrelationIDFromMetadataOrNew(t *testing.T) {
	var got string
	h := middleware.CorrelationID(func(m *message.Message) ([]*message.Message, error) {
		got, _ = middleware.CorrelationIDFromContext(m.Context())
		return []*message.Message{message.NewMessage("out", nil)}, nil
	})
	m := newMsg(context.Background())
	m.Metadata.Set("correlation_id", "abc")
	out, err := h(m)
	require.NoError(t, err)
	assert.Equal(t, "abc", got)
	assert.Equal(t, "abc", out[0].Metadata.Get("correlation_id"))

	m = newMsg(context.Background())
	_, err = h(m)
	require.NoError(t, err)
	assert.NotEmpty(t, got)
	assert.Equal(t, got, m.Metadata.Get("correlation_id"))
}

type capturingPublisher struct{ msgs []*message.Message }

func (c *capturingPublisher) Publish(_ string, msgs ...*message.Message) error {
	c.msgs = append(c.msgs, msgs...)
	return nil
}
func (c *capturingPublisher) Close() error { return nil }

func TestPoisonMetadataKeysAreExactlyWhatPoisonQueueAdds(t *testing.T) {
	pub := &capturingPublisher{}
	poison, err := middleware.NewPoisonQueue(pub, "dlq", nil)
	require.NoError(t, err)
	m := newMsg(context.Background())
	m.Metadata.Set("event_type", "EntryCreated")
	_, err = poison(func(*message.Message) ([]*message.Message, error) { return nil, errors.New("x") })(m)
	require.NoError(t, err, "poisoned, so acked")
	require.Len(t, pub.msgs, 1)
	got := pub.msgs[0].Metadata
	for _, k := range middleware.PoisonMetadataKeys() {
		_, ok := got[k]
		assert.True(t, ok, "poison queue did not set %s", k)
		delete(got, k)
	}
	assert.Equal(t, message.Metadata{"event_type": "EntryCreated"}, got)
}
