package pulsaradapter

import (
	"os"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// testLogger prints errors and info to stderr (not t.Log: the Pulsar client
// logs from its goroutines after a test may have ended).
func testLogger() watermill.LoggerAdapter {
	return watermill.NewStdLoggerWithOut(os.Stderr, false, false)
}

// uniqueTopic returns a topic name no other test or run uses.
func uniqueTopic(prefix string) string {
	return prefix + "-" + uuid.NewString()
}

func newTestPublisher(t *testing.T, url string, mutate ...func(*PublisherConfig)) *Publisher {
	t.Helper()
	cfg := PublisherConfig{ClientConfig: ClientConfig{URL: url}}
	for _, m := range mutate {
		m(&cfg)
	}
	pub, err := NewPublisher(cfg, testLogger())
	require.NoError(t, err)
	return pub
}

func newTestSubscriber(t *testing.T, url, subscription string, mutate ...func(*SubscriberConfig)) *Subscriber {
	t.Helper()
	cfg := SubscriberConfig{
		ClientConfig:     ClientConfig{URL: url},
		SubscriptionName: subscription,
		CloseTimeout:     2 * time.Second,
	}
	for _, m := range mutate {
		m(&cfg)
	}
	sub, err := NewSubscriber(cfg, testLogger())
	require.NoError(t, err)
	return sub
}
