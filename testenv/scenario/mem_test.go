package scenario_test

import (
	"testing"
	"time"

	"github.com/lbpay-lab/dict-events/broker"
	"github.com/lbpay-lab/dict-events/testenv/scenario"
)

// TestScenariosMemory runs the scenarios on the embedded bus (mem://,
// Watermill's GoChannel). It needs no broker and always runs.
func TestScenariosMemory(t *testing.T) {
	scenario.Run(t, scenario.Backend{
		Name: "mem",
		// Every broker.Open of mem:// is a new, private bus, so every
		// scenario is isolated already; groups do not exist.
		Config: func(*testing.T) broker.Config { return broker.Config{URL: broker.DefaultURL} },
		// GoChannel (watermill pubsub/gochannel) hands each message to a
		// subscriber in a goroutine of its own (Publish → sendMessage; on
		// Subscribe every persisted message too) and releases the
		// subscriber's sending lock once the message is in the output
		// channel, not once it is acked. Messages of one key are therefore
		// handled concurrently and in any order; there is no key or partition.
		OrderPerKey:   false,
		NoOrderReason: "GoChannel delivers every message from its own goroutine, several in flight per subscriber, with no notion of key",
		// The scenarios share one bus (env.consumer), router.Close leaves it
		// open, and the bus is persistent: a new router gets every message
		// again, so it resumes with duplicates and nothing lost.
		Resumable: true,
		Timeout:   30 * time.Second,
	})
}
