package events_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lbpay-lab/dict-events/entry"
	"github.com/lbpay-lab/dict-events/events"
	eventsv1 "github.com/lbpay-lab/dict-events/events/v1"
)

func TestEntryRoundTrip(t *testing.T) {
	now := time.Date(2026, 11, 28, 10, 0, 0, 123, time.UTC)
	for _, kt := range entry.KeyTypes() {
		for _, at := range entry.AccountTypes() {
			e := &entry.Entry{
				ID: uuid.New(), KeyType: kt, KeyValue: "v", ISPB: "12345678", Branch: "1",
				AccountNumber: "123", AccountType: at, OwnerName: "Ana", OwnerTradeName: "T",
				OwnerTaxID: "24843803480", OwnerType: entry.OwnerTypeLegalPerson,
				OpeningDate: now, Status: entry.KeyStatusActive, CreatedAt: now, UpdatedAt: now.Add(time.Second),
			}
			p := events.EntryToProto(e)
			require.NotEqual(t, eventsv1.KeyType_KEY_TYPE_UNSPECIFIED, p.KeyType, kt)
			require.NotEqual(t, eventsv1.AccountType_ACCOUNT_TYPE_UNSPECIFIED, p.AccountType, at)
			assert.Equal(t, e, events.EntryFromProto(p))
		}
	}
}

func TestKeyTypeFromProtoKeepsUnknownValues(t *testing.T) {
	assert.Equal(t, entry.KeyType("42"), events.KeyTypeFromProto(eventsv1.KeyType(42)))
	assert.False(t, events.KeyTypeFromProto(eventsv1.KeyType(42)).Valid())
}
