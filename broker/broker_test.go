package broker_test

import (
	"context"
	"flag"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lbpay-lab/dict-events/broker"
)

func TestOpenRejectsBadConfigSayingWhatIsAccepted(t *testing.T) {
	tests := []struct {
		name string
		cfg  broker.Config
		want string
	}{
		{"unknown scheme", broker.Config{URL: "nats://h:4222"}, `unknown scheme "nats"`},
		{"no host", broker.Config{URL: "pulsar://"}, "has no host"},
		{"no port", broker.Config{URL: "kafka://h1:9092,h2"}, `host "h2" needs a port`},
		{"several pulsar hosts", broker.Config{URL: "pulsar://a:1,b:2"}, "only kafka://"},
		{"compression", broker.Config{Producer: broker.ProducerConfig{Compression: "gzip"}}, "accepted are lz4, zstd, none"},
		{"consumers", broker.Config{Consumer: broker.ConsumerConfig{Consumers: -1}}, "at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := broker.Open(tt.cfg, nil)
			require.ErrorIs(t, err, broker.ErrInvalidConfig)
			assert.ErrorContains(t, err, tt.want)
			if tt.cfg.URL != "" {
				assert.ErrorContains(t, err, "mem://", "says what is accepted")
			}
		})
	}
}

func TestMemoryBusDeliversMessagesPublishedBeforeSubscribe(t *testing.T) {
	b, err := broker.Open(broker.Config{}, nil)
	require.NoError(t, err)
	defer b.Close()
	assert.Equal(t, broker.SchemeMemory, b.Scheme)
	require.NoError(t, b.Publisher.Publish("t", message.NewMessage("1", []byte("early"))))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ch, err := b.Subscriber.Subscribe(ctx, "t")
	require.NoError(t, err)
	select {
	case m := <-ch:
		m.Ack()
		assert.Equal(t, "early", string(m.Payload))
	case <-ctx.Done():
		t.Fatal("message published before subscribing was lost")
	}
}

func TestRegisterFlagsEnvThenFlags(t *testing.T) {
	env := map[string]string{
		"DICTEVENTS_BROKER_URL":     "kafka://k:9092",
		"DICTEVENTS_CONSUMERS":      "4",
		"DICTEVENTS_BATCH_DELAY":    "1ms",
		"DICTEVENTS_CONSUMER_GROUP": "from-env",
	}
	var c broker.Config
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	require.NoError(t, c.RegisterFlags(fs, func(k string) string { return env[k] }))
	require.NoError(t, fs.Parse([]string{"--group", "from-flag"}))
	assert.Equal(t, "kafka://k:9092", c.URL)
	assert.Equal(t, 4, c.Consumer.Consumers)
	assert.Equal(t, time.Millisecond, c.Producer.BatchingMaxDelay)
	assert.Equal(t, "from-flag", c.Consumer.Group)

	var bad broker.Config
	err := bad.RegisterFlags(flag.NewFlagSet("t", flag.ContinueOnError), func(k string) string {
		return map[string]string{"DICTEVENTS_CONSUMERS": "many"}[k]
	})
	require.ErrorIs(t, err, broker.ErrInvalidConfig)
	assert.ErrorContains(t, err, "DICTEVENTS_CONSUMERS")
}
