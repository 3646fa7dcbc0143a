package publisher_test

import (
	"context"
	"testing"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/lbpay-lab/dict-events/entry"
	"github.com/lbpay-lab/dict-events/entry/entrytest"
	"github.com/lbpay-lab/dict-events/publisher"
)

type discard struct{}

func (discard) Publish(string, ...*message.Message) error { return nil }
func (discard) Close() error                              { return nil }

// BenchmarkPublishCreated measures the producer's own cost per event:
// validation, protobuf encoding, metadata and partition key, on a publisher
// that discards.
func BenchmarkPublishCreated(b *testing.B) {
	p, err := publisher.New(discard{}, publisher.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	e := entrytest.Entry(entry.KeyTypeCNPJ, 1)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := p.PublishCreated(ctx, e, "bench"); err != nil {
			b.Fatal(err)
		}
	}
}
