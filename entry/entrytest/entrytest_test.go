package entrytest_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/lbpay-lab/dict-events/entry"
	"github.com/lbpay-lab/dict-events/entry/entrytest"
)

func TestEntriesAreValidAndDistinct(t *testing.T) {
	keys := map[string]bool{}
	for _, e := range entrytest.Entries(500) {
		require.NoError(t, e.Validate(), "%s %d", e.KeyType, len(keys))
		require.False(t, keys[string(e.KeyType)+e.KeyValue], "duplicate key")
		keys[string(e.KeyType)+e.KeyValue] = true
	}
	require.Equal(t, entrytest.Entry(entry.KeyTypeCPF, 7), entrytest.Entry(entry.KeyTypeCPF, 7))
}
