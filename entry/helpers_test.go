package entry_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lbpay-lab/dict-events/entry"
)

// Known-valid tax IDs (check digits computed independently).
const (
	validCPF       = "24843803480"
	otherValidCPF  = "12345678909"
	validCNPJ      = "26637142000158"
	otherValidCNPJ = "11222333000181"
	alnumCNPJ      = "12ABC34501DE35"
)

// validEntry returns a fresh entry that passes Validate: a PHONE key owned by
// a natural person.
func validEntry() *entry.Entry {
	ts := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	return &entry.Entry{
		ID:            uuid.MustParse("6f1c2a9e-4b7d-4c1e-9a3b-2d5e8f0a1b2c"),
		KeyType:       entry.KeyTypePhone,
		KeyValue:      "+5561988887777",
		ISPB:          "12345678",
		Branch:        "0001",
		AccountNumber: "0007654321",
		AccountType:   entry.AccountTypeCACC,
		OwnerName:     "João da Silva",
		OwnerTaxID:    validCPF,
		OwnerType:     entry.OwnerTypeNaturalPerson,
		OpeningDate:   ts,
		Status:        entry.KeyStatusActive,
		CreatedAt:     ts,
		UpdatedAt:     ts,
	}
}

// validLegalEntry returns a fresh valid entry with a CNPJ key owned by a
// legal person.
func validLegalEntry() *entry.Entry {
	e := validEntry()
	e.KeyType = entry.KeyTypeCNPJ
	e.KeyValue = validCNPJ
	e.OwnerType = entry.OwnerTypeLegalPerson
	e.OwnerTaxID = validCNPJ
	e.OwnerName = "Padaria Três Irmãos Ltda"
	e.OwnerTradeName = "Padaria 3 Irmãos"
	return e
}

// messageLine is the only shape a failure line may take: DICT code, field
// and rule, all drawn from fixed vocabularies, so no input can leak into it.
var messageLine = regexp.MustCompile(`^(EntryInvalid|EntryTaxIdNumberByDifferentOwner): [a-z_]+: [a-z_]+$`)

// knownFields and knownRules are the vocabularies of ValidationError.
var (
	knownFields = map[string]bool{
		entry.FieldEntry: true, entry.FieldID: true, entry.FieldKeyType: true,
		entry.FieldKeyValue: true, entry.FieldISPB: true, entry.FieldBranch: true,
		entry.FieldAccountNumber: true, entry.FieldAccountType: true,
		entry.FieldOwnerName: true, entry.FieldOwnerTradeName: true,
		entry.FieldOwnerTaxID: true, entry.FieldOwnerType: true, entry.FieldStatus: true,
		entry.FieldOpeningDate: true,
	}
	knownRules = map[string]bool{
		entry.RuleRequired: true, entry.RuleFormat: true, entry.RuleMaxLength: true,
		entry.RuleCheckDigits: true, entry.RuleRepeatedDigits: true,
		entry.RuleLowercase: true, entry.RuleUnknownValue: true,
		entry.RuleNotAllowed: true, entry.RuleOwnerMismatch: true,
	}
)

// messageProblem returns why err's message could leak data, or "".
func messageProblem(err error) string {
	lines := strings.Split(err.Error(), "\n")
	violations := entry.Violations(err)
	if len(lines) != len(violations) {
		return "message lines do not match the failures"
	}
	for i, line := range lines {
		if !messageLine.MatchString(line) {
			return "unexpected message line " + line
		}
		v := violations[i]
		if !knownFields[v.Field] || !knownRules[v.Rule] {
			return "unknown field or rule in " + line
		}
	}
	return ""
}

// requireFailure asserts that err is exactly one failure of rule on field,
// usable with errors.Is and errors.As, whose message leaks none of secrets.
func requireFailure(t *testing.T, err error, field, rule string, secrets ...string) {
	t.Helper()
	require.Error(t, err)
	assert.ErrorIs(t, err, entry.ErrInvalidEntry)
	var ve *entry.ValidationError
	require.True(t, errors.As(err, &ve), "errors.As *ValidationError")
	assert.Equal(t, field, ve.Field)
	assert.Equal(t, rule, ve.Rule)
	assert.Len(t, entry.Violations(err), 1, "failures: %v", err)
	requireNoLeak(t, err, secrets...)
}

// requireNoLeak asserts that err's message has only the fixed vocabulary and
// contains none of secrets.
func requireNoLeak(t *testing.T, err error, secrets ...string) {
	t.Helper()
	assert.Empty(t, messageProblem(err))
	for _, s := range secrets {
		if s != "" {
			assert.NotContains(t, err.Error(), s, "the message leaks an input value")
		}
	}
}
