package publisher

import (
	"fmt"
	"time"

	"github.com/ThreeDotsLabs/watermill"

	"github.com/lbpay-lab/dict-events/broker"
	"github.com/lbpay-lab/dict-events/middleware"
)

// Config tunes an EntryEventProducer.
type Config struct {
	// Broker selects and tunes the backend. Used by NewEntryEventProducer
	// (its URL argument overrides Broker.URL); ignored by New, which is given
	// a publisher.
	Broker broker.Config
	// Retry is how a failed publish is retried, with the same message UUID
	// (the dedup key) each time. Default: 3 retries after 1 s, 2 s and 4 s.
	Retry middleware.RetryConfig
	// PartitionKeySecret keys the HMAC that turns key type + key value into
	// the partition key. Every producer of the same topics must use the same
	// value. Set it in production: without a secret the hash of a CPF can be
	// reversed by trying every CPF.
	PartitionKeySecret string
	// Logger receives retry warnings. Default: no logging.
	Logger watermill.LoggerAdapter
}

// DefaultConfig is the balanced production setting: LZ4, batches of up to
// 100 messages or 10 ms, 30 s send timeout, 3 retries after 1 s, 2 s, 4 s.
func DefaultConfig() Config {
	c := Config{
		Broker: broker.Config{Producer: broker.ProducerConfig{
			Compression:         "lz4",
			BatchingMaxMessages: 100,
			BatchingMaxDelay:    10 * time.Millisecond,
			SendTimeout:         30 * time.Second,
		}},
		Retry: middleware.DefaultRetryConfig(),
	}
	c.setDefaults()
	return c
}

// LowLatencyConfig trades throughput for latency: a batch waits at most
// 1 ms. Everything else is as in DefaultConfig.
func LowLatencyConfig() Config {
	c := DefaultConfig()
	c.Broker.Producer.BatchingMaxDelay = time.Millisecond
	return c
}

func (c *Config) setDefaults() {
	c.Retry = c.Retry.WithDefaults()
	if c.Logger == nil {
		c.Logger = watermill.NopLogger{}
	}
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	if err := c.Retry.Validate(); err != nil {
		return fmt.Errorf("publisher: %w", err)
	}
	return nil
}
