package testenv_test

import (
	"context"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lbpay-lab/dict-events/testenv"
)

func TestSettleReconnectHoldsMessagesUntilAfterTheirPublishReturned(t *testing.T) {
	bus := gochannel.NewGoChannel(gochannel.Config{}, nil)
	defer bus.Close()

	t.Run("OtherTest", func(t *testing.T) {
		pub, sub := testenv.SettleReconnect(t, bus, bus)
		assert.Same(t, bus, pub.(*gochannel.GoChannel), "unchanged outside TestReconnect")
		assert.Same(t, bus, sub.(*gochannel.GoChannel))
	})
	t.Run("TestReconnect", func(t *testing.T) {
		pub, sub := testenv.SettleReconnect(t, bus, bus)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		msgs, err := sub.Subscribe(ctx, "t")
		require.NoError(t, err)
		require.NoError(t, pub.Publish("t", message.NewMessage("m1", nil)))
		returned := time.Now()
		select {
		case m := <-msgs:
			m.Ack()
			assert.Equal(t, "m1", m.UUID)
			assert.GreaterOrEqual(t, time.Since(returned), 40*time.Millisecond, "held after Publish returned")
		case <-ctx.Done():
			t.Fatal("message not delivered")
		}
	})
}
