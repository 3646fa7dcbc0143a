// Choose the deletion type: IMMEDIATE goes to dict.entries.deleted.immediate,
// WAITING_PERIOD to dict.entries.deleted.waiting_period.
//
//	go run ./examples/custom_deletion_type
package main

import (
	"context"
	"log"

	"github.com/lbpay-lab/dict-events/entry"
	"github.com/lbpay-lab/dict-events/entry/entrytest"
	eventsv1 "github.com/lbpay-lab/dict-events/events/v1"
	"github.com/lbpay-lab/dict-events/publisher"
)

func main() {
	producer, err := publisher.NewEntryEventProducer("mem://")
	if err != nil {
		log.Fatal(err)
	}
	defer producer.Close()

	e := entrytest.Entry(entry.KeyTypePhone, 1)
	err = producer.PublishDeleted(context.Background(), e.ID, e.KeyValue, e.KeyType, e.ISPB,
		eventsv1.EntryDeletedEvent_DELETION_TYPE_WAITING_PERIOD, "user-123")
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("published a waiting-period deletion to %s", publisher.TopicEntryDeletedWaitingPeriod)
}
