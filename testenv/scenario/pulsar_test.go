package scenario_test

import (
	"testing"

	"github.com/lbpay-lab/dict-events/broker"
	"github.com/lbpay-lab/dict-events/testenv"
	"github.com/lbpay-lab/dict-events/testenv/scenario"
)

// TestScenariosPulsar runs the scenarios on the real Pulsar broker of
// `testenv/brokers up pulsar` (DICTEVENTS_INTEGRATION=1).
func TestScenariosPulsar(t *testing.T) {
	testenv.PulsarURL(t) // skip or fail once, before the scenarios
	scenario.Run(t, scenario.Backend{
		Name: "pulsar",
		Config: func(t *testing.T) broker.Config {
			return broker.Config{
				URL:      testenv.PulsarURL(t),
				Consumer: broker.ConsumerConfig{Group: scenario.UniqueGroup("scenario-pulsar")},
			}
		},
		// The partition key is the Pulsar message key and subscriptions are
		// KeyShared: a key's messages go to one consumer, in order.
		OrderPerKey: true,
		// Subscriptions are durable: acknowledged positions live on the broker.
		Resumable: true,
	})
}
