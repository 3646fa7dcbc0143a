package entry_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lbpay-lab/dict-events/entry"
)

func TestEnums(t *testing.T) {
	assert.Equal(t, []entry.KeyType{"CPF", "CNPJ", "EMAIL", "PHONE", "EVP"}, entry.KeyTypes())
	assert.Equal(t, []entry.KeyStatus{"PENDING", "ACTIVE", "DELETED"}, entry.KeyStatuses())
	assert.Equal(t, []entry.AccountType{"CACC", "SVGS", "SLRY", "TRAN"}, entry.AccountTypes())
	assert.Equal(t, []entry.OwnerType{"NATURAL_PERSON", "LEGAL_PERSON"}, entry.OwnerTypes())

	for _, v := range entry.KeyTypes() {
		assert.True(t, v.Valid(), v)
	}
	for _, v := range entry.KeyStatuses() {
		assert.True(t, v.Valid(), v)
	}
	for _, v := range entry.AccountTypes() {
		assert.True(t, v.Valid(), v)
	}
	for _, v := range entry.OwnerTypes() {
		assert.True(t, v.Valid(), v)
	}

	for _, bad := range []string{"", "cpf", "Cpf", " CPF", "RANDOM", "ACTIVE"} {
		assert.False(t, entry.KeyType(bad).Valid(), bad)
	}
	for _, bad := range []string{"", "active", "INACTIVE", "CPF"} {
		assert.False(t, entry.KeyStatus(bad).Valid(), bad)
	}
	for _, bad := range []string{"", "cacc", "CHECKING", "SVG"} {
		assert.False(t, entry.AccountType(bad).Valid(), bad)
	}
	for _, bad := range []string{"", "natural_person", "PERSON"} {
		assert.False(t, entry.OwnerType(bad).Valid(), bad)
	}
}

func TestEnumListsAreCopies(t *testing.T) {
	kt := entry.KeyTypes()
	kt[0] = "MUTATED"
	assert.Equal(t, entry.KeyTypeCPF, entry.KeyTypes()[0])

	ks := entry.KeyStatuses()
	ks[0] = "MUTATED"
	assert.Equal(t, entry.KeyStatusPending, entry.KeyStatuses()[0])

	at := entry.AccountTypes()
	at[0] = "MUTATED"
	assert.Equal(t, entry.AccountTypeCACC, entry.AccountTypes()[0])

	ot := entry.OwnerTypes()
	ot[0] = "MUTATED"
	assert.Equal(t, entry.OwnerTypeNaturalPerson, entry.OwnerTypes()[0])
}

func TestEntryJSON(t *testing.T) {
	const in = `{
		"id": "6f1c2a9e-4b7d-4c1e-9a3b-2d5e8f0a1b2c",
		"key_type": "PHONE",
		"key_value": "+5561988887777",
		"ispb": "12345678",
		"branch": "0001",
		"account_number": "0007654321",
		"account_type": "CACC",
		"owner_name": "João da Silva",
		"owner_tax_id": "24843803480",
		"owner_type": "NATURAL_PERSON",
		"opening_date": "2025-01-02T03:04:05Z",
		"status": "ACTIVE",
		"created_at": "2025-01-02T03:04:05Z",
		"updated_at": "2025-01-02T03:04:05Z"
	}`
	var got entry.Entry
	require.NoError(t, json.Unmarshal([]byte(in), &got))
	assert.Equal(t, *validEntry(), got)
	assert.NoError(t, got.Validate())

	out, err := json.Marshal(got)
	require.NoError(t, err)
	var back entry.Entry
	require.NoError(t, json.Unmarshal(out, &back))
	assert.Equal(t, got, back)
	assert.NotContains(t, string(out), "owner_trade_name", "empty trade name is omitted")
}

// TestEntryJSONKeepsUnknownEnums: the DICT warns that new key types may
// appear, so decoding keeps unknown values and Validate reports them.
func TestEntryJSONKeepsUnknownEnums(t *testing.T) {
	e := validEntry()
	raw, err := json.Marshal(e)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	m["key_type"] = "FUTURE_KEY"
	raw, err = json.Marshal(m)
	require.NoError(t, err)

	var got entry.Entry
	require.NoError(t, json.Unmarshal(raw, &got))
	assert.Equal(t, entry.KeyType("FUTURE_KEY"), got.KeyType)
	requireFailure(t, got.Validate(), entry.FieldKeyType, entry.RuleUnknownValue, got.KeyValue)
}

func TestViolationsThroughWrapping(t *testing.T) {
	e := validEntry()
	e.ISPB, e.AccountNumber = "", ""
	err := fmt.Errorf("reading entry: %w", e.Validate())
	assert.ErrorIs(t, err, entry.ErrInvalidEntry)
	assert.Len(t, entry.Violations(err), 2)
}
