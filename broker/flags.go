package broker

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"time"
)

// EnvPrefix prefixes the environment variables RegisterFlags reads.
const EnvPrefix = "DICTEVENTS_"

// RegisterFlags binds c's settings to flags on fs. Each flag's default is
// the matching DICTEVENTS_* variable from getenv (e.g. --broker and
// DICTEVENTS_BROKER_URL) when set, else c's current value; so code, the
// environment and flags configure the same fields, flags winning. It returns
// an error naming every malformed variable.
func (c *Config) RegisterFlags(fs *flag.FlagSet, getenv func(string) string) error {
	var errs []error
	fromEnv := func(name, env string) {
		if v := getenv(EnvPrefix + env); v != "" {
			if err := fs.Set(name, v); err != nil {
				errs = append(errs, fmt.Errorf("%w: %s%s=%q: %v", ErrInvalidConfig, EnvPrefix, env, v, err))
			}
		}
	}
	str := func(p *string, name, env, usage string) {
		if v := getenv(EnvPrefix + env); v != "" {
			*p = v
		}
		fs.StringVar(p, name, *p, usage+" (env "+EnvPrefix+env+")")
	}
	dur := func(p *time.Duration, name, env, usage string) {
		fs.Var(durationValue{p}, name, usage+" (env "+EnvPrefix+env+")")
		fromEnv(name, env)
	}
	num := func(set func(string) error, get func() string, name, env, usage string) {
		fs.Func(name, usage+" (env "+EnvPrefix+env+", default "+get()+")", set)
		fromEnv(name, env)
	}
	if c.URL == "" {
		c.URL = DefaultURL
	}
	str(&c.URL, "broker", "BROKER_URL", "broker URL: "+acceptedURLs)
	str(&c.Producer.Compression, "compression", "COMPRESSION", "producer compression: lz4, zstd, none (default lz4)")
	dur(&c.Producer.BatchingMaxDelay, "batch-delay", "BATCH_DELAY", "producer batching max delay (default 10ms)")
	dur(&c.Producer.SendTimeout, "send-timeout", "SEND_TIMEOUT", "producer send timeout (default 30s)")
	str(&c.Consumer.Group, "group", "CONSUMER_GROUP", "subscription / consumer group name (default dict-events)")
	num(intSetter(&c.Consumer.Consumers), func() string { return strconv.Itoa(c.Consumer.Consumers) },
		"consumers", "CONSUMERS", "parallel consumers per topic")
	dur(&c.Consumer.NackRedeliveryDelay, "nack-delay", "NACK_DELAY", "redelivery delay after a nack (default 200ms)")
	str(&c.Pulsar.AuthToken, "pulsar-token", "PULSAR_AUTH_TOKEN", "Pulsar authentication token")
	str(&c.Pulsar.TLSTrustCertsFile, "pulsar-tls-trust-certs", "PULSAR_TLS_TRUST_CERTS", "CA bundle for pulsar+ssl://")
	num(func(s string) error {
		n, err := strconv.ParseInt(s, 10, 32)
		c.Kafka.Partitions = int32(n)
		return err
	}, func() string { return strconv.Itoa(int(c.Kafka.Partitions)) }, "kafka-partitions", "KAFKA_PARTITIONS", "partitions of topics created on Kafka (default 4)")
	return errors.Join(errs...)
}

func intSetter(p *int) func(string) error {
	return func(s string) error {
		n, err := strconv.Atoi(s)
		*p = n
		return err
	}
}

type durationValue struct{ p *time.Duration }

func (d durationValue) String() string {
	if d.p == nil || *d.p == 0 {
		return ""
	}
	return d.p.String()
}

func (d durationValue) Set(s string) error {
	v, err := time.ParseDuration(s)
	*d.p = v
	return err
}
