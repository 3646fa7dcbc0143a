// Publish each kind of event for one entry: created, updated, deleted.
//
//	go run ./examples/publish_events
package main

import (
	"context"
	"errors"
	"log"

	"github.com/lbpay-lab/dict-events/entry"
	"github.com/lbpay-lab/dict-events/entry/entrytest"
	"github.com/lbpay-lab/dict-events/publisher"
)

func main() {
	producer, err := publisher.NewEntryEventProducer("mem://")
	if err != nil {
		log.Fatal(err)
	}
	defer producer.Close()
	ctx := context.Background()

	e := entrytest.Entry(entry.KeyTypeCPF, 1)
	if err := producer.PublishCreated(ctx, e, "user-123"); err != nil {
		log.Fatal(err)
	}

	e.AccountNumber = "0012345678"
	if err := producer.PublishUpdated(ctx, e, "user-123"); err != nil {
		log.Fatal(err)
	}

	if err := producer.PublishDeletedImmediate(ctx, e.ID, e.KeyValue, e.KeyType, e.ISPB, "user-123"); err != nil {
		log.Fatal(err)
	}

	// Invalid input is refused before anything is published.
	bad := *e
	bad.KeyValue = "12345678900"
	err = producer.PublishCreated(ctx, &bad, "user-123")
	log.Printf("invalid CPF refused: %v (matches entry.ErrInvalidEntry: %t)", err, errors.Is(err, entry.ErrInvalidEntry))
	log.Print("published created, updated and deleted")
}
