package scenario_test

import (
	"strings"
	"testing"

	"github.com/lbpay-lab/dict-events/broker"
	"github.com/lbpay-lab/dict-events/testenv"
	"github.com/lbpay-lab/dict-events/testenv/scenario"
)

// TestScenariosKafka runs the scenarios on the real Kafka broker of
// `testenv/brokers up kafka` (DICTEVENTS_INTEGRATION=1).
func TestScenariosKafka(t *testing.T) {
	testenv.KafkaBrokers(t) // skip or fail once, before the scenarios
	scenario.Run(t, scenario.Backend{
		Name: "kafka",
		Config: func(t *testing.T) broker.Config {
			return broker.Config{
				URL:      "kafka://" + strings.Join(testenv.KafkaBrokers(t), ","),
				Consumer: broker.ConsumerConfig{Group: scenario.UniqueGroup("scenario-kafka")},
			}
		},
		// The partition key is the record key: a key's events share a
		// partition, handled one at a time in offset order.
		OrderPerKey: true,
		// Consumer groups commit acked offsets on the broker.
		Resumable: true,
	})
}
