package entry_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lbpay-lab/dict-events/entry"
)

func TestValidateValidEntries(t *testing.T) {
	tests := []struct {
		name string
		make func() *entry.Entry
	}{
		{"natural person, PHONE key", validEntry},
		{"legal person, CNPJ key", validLegalEntry},
		{"natural person, own CPF key", func() *entry.Entry {
			e := validEntry()
			e.KeyType, e.KeyValue = entry.KeyTypeCPF, validCPF
			return e
		}},
		{"legal person, own alphanumeric CNPJ key", func() *entry.Entry {
			e := validLegalEntry()
			e.KeyValue, e.OwnerTaxID = alnumCNPJ, alnumCNPJ
			return e
		}},
		{"legal person, EMAIL key, no trade name", func() *entry.Entry {
			e := validLegalEntry()
			e.KeyType, e.KeyValue, e.OwnerTradeName = entry.KeyTypeEmail, "pix@bcb.gov.br", ""
			return e
		}},
		{"EVP key, no branch, no status", func() *entry.Entry {
			e := validEntry()
			e.KeyType, e.KeyValue = entry.KeyTypeEVP, "123e4567-e89b-12d3-a456-426655440000"
			e.Branch, e.Status = "", ""
			return e
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.NoError(t, tt.make().Validate())
		})
	}
}

// TestValidateRules has, for every field rule, a valid and an invalid value.
// Key formats are covered case by case in keys_test.go.
func TestValidateRules(t *testing.T) {
	accented120 := strings.Repeat("ã", 120) // 240 bytes, 120 characters
	accented100 := strings.Repeat("é", 100)
	tests := []struct {
		name   string
		base   func() *entry.Entry
		mutate func(*entry.Entry)
		secret string // the value under test, which must not leak
		field  string // empty when the change keeps the entry valid
		rule   string
	}{
		// id
		{"id set", validEntry, func(e *entry.Entry) { e.ID = uuid.New() }, "", "", ""},
		{"id nil", validEntry, func(e *entry.Entry) { e.ID = uuid.Nil }, "", entry.FieldID, entry.RuleRequired},

		// key_type
		{"key type unknown", validEntry, func(e *entry.Entry) { e.KeyType = "IBAN" }, "", entry.FieldKeyType, entry.RuleUnknownValue},
		{"key type empty", validEntry, func(e *entry.Entry) { e.KeyType = "" }, "", entry.FieldKeyType, entry.RuleRequired},

		// ispb
		{"ispb 8 digits", validEntry, func(e *entry.Entry) { e.ISPB = "00360305" }, "", "", ""},
		{"ispb 7 digits", validEntry, func(e *entry.Entry) { e.ISPB = "0036030" }, "0036030", entry.FieldISPB, entry.RuleFormat},
		{"ispb empty", validEntry, func(e *entry.Entry) { e.ISPB = "" }, "", entry.FieldISPB, entry.RuleRequired},

		// branch
		{"branch empty", validEntry, func(e *entry.Entry) { e.Branch = "" }, "", "", ""},
		{"branch 1 digit", validEntry, func(e *entry.Entry) { e.Branch = "7" }, "", "", ""},
		{"branch 4 digits", validEntry, func(e *entry.Entry) { e.Branch = "7263" }, "", "", ""},
		{"branch 5 digits", validEntry, func(e *entry.Entry) { e.Branch = "72634" }, "72634", entry.FieldBranch, entry.RuleFormat},
		{"branch with check digit", validEntry, func(e *entry.Entry) { e.Branch = "726-3" }, "726-3", entry.FieldBranch, entry.RuleFormat},

		// account_number
		{"account 1 digit", validEntry, func(e *entry.Entry) { e.AccountNumber = "9" }, "", "", ""},
		{"account 20 digits", validEntry, func(e *entry.Entry) { e.AccountNumber = strings.Repeat("9", 20) }, "", "", ""},
		{"account 21 digits", validEntry, func(e *entry.Entry) { e.AccountNumber = strings.Repeat("9", 21) }, strings.Repeat("9", 21), entry.FieldAccountNumber, entry.RuleFormat},
		{"account with hyphen", validEntry, func(e *entry.Entry) { e.AccountNumber = "748627-1" }, "748627-1", entry.FieldAccountNumber, entry.RuleFormat},
		{"account empty", validEntry, func(e *entry.Entry) { e.AccountNumber = "" }, "", entry.FieldAccountNumber, entry.RuleRequired},

		// account_type
		{"account type SVGS", validEntry, func(e *entry.Entry) { e.AccountType = entry.AccountTypeSVGS }, "", "", ""},
		{"account type SLRY", validEntry, func(e *entry.Entry) { e.AccountType = entry.AccountTypeSLRY }, "", "", ""},
		{"account type TRAN", validEntry, func(e *entry.Entry) { e.AccountType = entry.AccountTypeTRAN }, "", "", ""},
		{"account type unknown", validEntry, func(e *entry.Entry) { e.AccountType = "CHECKING" }, "", entry.FieldAccountType, entry.RuleUnknownValue},
		{"account type lowercase", validEntry, func(e *entry.Entry) { e.AccountType = "cacc" }, "", entry.FieldAccountType, entry.RuleUnknownValue},
		{"account type empty", validEntry, func(e *entry.Entry) { e.AccountType = "" }, "", entry.FieldAccountType, entry.RuleRequired},

		// owner_type
		{"owner type unknown", validEntry, func(e *entry.Entry) { e.OwnerType = "PERSON" }, "", entry.FieldOwnerType, entry.RuleUnknownValue},
		{"owner type empty", validEntry, func(e *entry.Entry) { e.OwnerType = "" }, "", entry.FieldOwnerType, entry.RuleRequired},

		// owner_tax_id, natural person
		{"natural person other CPF", validEntry, func(e *entry.Entry) { e.OwnerTaxID = otherValidCPF }, "", "", ""},
		{"natural person CPF check digits", validEntry, func(e *entry.Entry) { e.OwnerTaxID = "24843803481" }, "24843803481", entry.FieldOwnerTaxID, entry.RuleCheckDigits},
		{"natural person CPF repeated", validEntry, func(e *entry.Entry) { e.OwnerTaxID = "22222222222" }, "22222222222", entry.FieldOwnerTaxID, entry.RuleRepeatedDigits},
		{"natural person with CNPJ", validEntry, func(e *entry.Entry) { e.OwnerTaxID = validCNPJ }, validCNPJ, entry.FieldOwnerTaxID, entry.RuleFormat},
		{"natural person CPF punctuated", validEntry, func(e *entry.Entry) { e.OwnerTaxID = "248.438.034-80" }, "248.438.034-80", entry.FieldOwnerTaxID, entry.RuleFormat},
		{"tax id empty", validEntry, func(e *entry.Entry) { e.OwnerTaxID = "" }, "", entry.FieldOwnerTaxID, entry.RuleRequired},

		// owner_tax_id, legal person
		{"legal person alphanumeric CNPJ", validLegalEntry, func(e *entry.Entry) {
			e.KeyType, e.KeyValue, e.OwnerTaxID = entry.KeyTypeEmail, "pix@bcb.gov.br", alnumCNPJ
		}, "", "", ""},
		{"legal person CNPJ check digits", validLegalEntry, func(e *entry.Entry) {
			e.KeyType, e.KeyValue, e.OwnerTaxID = entry.KeyTypeEmail, "pix@bcb.gov.br", "26637142000159"
		}, "26637142000159", entry.FieldOwnerTaxID, entry.RuleCheckDigits},
		{"legal person CNPJ repeated", validLegalEntry, func(e *entry.Entry) {
			e.KeyType, e.KeyValue, e.OwnerTaxID = entry.KeyTypeEmail, "pix@bcb.gov.br", "00000000000000"
		}, "00000000000000", entry.FieldOwnerTaxID, entry.RuleRepeatedDigits},
		{"legal person with CPF", validLegalEntry, func(e *entry.Entry) {
			e.KeyType, e.KeyValue, e.OwnerTaxID = entry.KeyTypeEmail, "pix@bcb.gov.br", validCPF
		}, validCPF, entry.FieldOwnerTaxID, entry.RuleFormat},

		// key and owner consistency
		{"CPF key of the owner", validEntry, func(e *entry.Entry) { e.KeyType, e.KeyValue = entry.KeyTypeCPF, validCPF }, "", "", ""},
		{"CPF key of another person", validEntry, func(e *entry.Entry) {
			e.KeyType, e.KeyValue = entry.KeyTypeCPF, otherValidCPF
		}, otherValidCPF, entry.FieldKeyValue, entry.RuleOwnerMismatch},
		{"CPF key of a legal person", validLegalEntry, func(e *entry.Entry) {
			e.KeyType, e.KeyValue = entry.KeyTypeCPF, validCPF
		}, validCPF, entry.FieldOwnerType, entry.RuleOwnerMismatch},
		{"CNPJ key of the owner", validLegalEntry, func(e *entry.Entry) {}, "", "", ""},
		{"CNPJ key of another company", validLegalEntry, func(e *entry.Entry) {
			e.KeyValue = otherValidCNPJ
		}, otherValidCNPJ, entry.FieldKeyValue, entry.RuleOwnerMismatch},
		{"alphanumeric CNPJ key of another company", validLegalEntry, func(e *entry.Entry) {
			e.KeyValue = alnumCNPJ
		}, alnumCNPJ, entry.FieldKeyValue, entry.RuleOwnerMismatch},
		{"CNPJ key of a natural person", validEntry, func(e *entry.Entry) {
			e.KeyType, e.KeyValue = entry.KeyTypeCNPJ, validCNPJ
		}, validCNPJ, entry.FieldOwnerType, entry.RuleOwnerMismatch},

		// owner_name
		{"name 120 accented characters", validEntry, func(e *entry.Entry) { e.OwnerName = accented120 }, "", "", ""},
		{"name 121 characters", validEntry, func(e *entry.Entry) { e.OwnerName = accented120 + "a" }, accented120, entry.FieldOwnerName, entry.RuleMaxLength},
		{"name empty", validEntry, func(e *entry.Entry) { e.OwnerName = "" }, "", entry.FieldOwnerName, entry.RuleRequired},
		{"name blank", validEntry, func(e *entry.Entry) { e.OwnerName = " \t " }, "", entry.FieldOwnerName, entry.RuleRequired},
		{"name invalid UTF-8", validEntry, func(e *entry.Entry) { e.OwnerName = "Jo\xe3o Silva" }, "Silva", entry.FieldOwnerName, entry.RuleFormat},

		// owner_trade_name
		{"trade name 100 accented characters", validLegalEntry, func(e *entry.Entry) { e.OwnerTradeName = accented100 }, "", "", ""},
		{"trade name 101 characters", validLegalEntry, func(e *entry.Entry) { e.OwnerTradeName = accented100 + "x" }, accented100, entry.FieldOwnerTradeName, entry.RuleMaxLength},
		{"trade name invalid UTF-8", validLegalEntry, func(e *entry.Entry) { e.OwnerTradeName = "Padaria \xff" }, "Padaria", entry.FieldOwnerTradeName, entry.RuleFormat},
		{"trade name for natural person", validEntry, func(e *entry.Entry) { e.OwnerTradeName = "Zé do Pix" }, "Zé do Pix", entry.FieldOwnerTradeName, entry.RuleNotAllowed},
		{"no trade name for natural person", validEntry, func(e *entry.Entry) { e.OwnerTradeName = "" }, "", "", ""},

		// opening_date
		{"opening date missing", validEntry, func(e *entry.Entry) { e.OpeningDate = time.Time{} }, "", entry.FieldOpeningDate, entry.RuleRequired},

		// status
		{"status pending", validEntry, func(e *entry.Entry) { e.Status = entry.KeyStatusPending }, "", "", ""},
		{"status deleted", validEntry, func(e *entry.Entry) { e.Status = entry.KeyStatusDeleted }, "", "", ""},
		{"status empty", validEntry, func(e *entry.Entry) { e.Status = "" }, "", "", ""},
		{"status unknown", validEntry, func(e *entry.Entry) { e.Status = "BLOCKED" }, "", entry.FieldStatus, entry.RuleUnknownValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tt.base()
			tt.mutate(e)
			err := e.Validate()
			if tt.rule == "" {
				assert.NoError(t, err)
				return
			}
			// Every entry carries personal data: none of it may leak.
			requireFailure(t, err, tt.field, tt.rule,
				tt.secret, e.KeyValue, e.OwnerTaxID, e.OwnerName, e.OwnerTradeName)
		})
	}
}

func TestValidateOwnerMismatchCode(t *testing.T) {
	e := validEntry()
	e.KeyType, e.KeyValue = entry.KeyTypeCPF, otherValidCPF
	err := e.Validate()
	var ve *entry.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, entry.CodeEntryTaxIDNumberByDifferentOwner, ve.Code())
	assert.Equal(t, "EntryTaxIdNumberByDifferentOwner: key_value: owner_mismatch", err.Error())

	e = validEntry()
	e.ISPB = "1"
	require.ErrorAs(t, e.Validate(), &ve)
	assert.Equal(t, entry.CodeEntryInvalid, ve.Code())
}

func TestValidateReportsEveryFailure(t *testing.T) {
	e := validEntry()
	e.ID = uuid.Nil
	e.KeyType, e.KeyValue = entry.KeyTypeEmail, "Joao.Silva@Example.com"
	e.ISPB = "123"
	e.Branch = "12345"
	e.AccountType = "XXXX"
	e.OwnerTaxID = "12345678900"
	e.OwnerName = strings.Repeat("Ç", 121)
	e.OwnerTradeName = "Loja"
	e.Status = "GONE"

	err := e.Validate()
	require.Error(t, err)
	assert.ErrorIs(t, err, entry.ErrInvalidEntry)
	var ve *entry.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, entry.FieldID, ve.Field, "errors.As finds the first failure")

	want := []entry.ValidationError{
		{Field: entry.FieldID, Rule: entry.RuleRequired},
		{Field: entry.FieldKeyValue, Rule: entry.RuleLowercase},
		{Field: entry.FieldISPB, Rule: entry.RuleFormat},
		{Field: entry.FieldBranch, Rule: entry.RuleFormat},
		{Field: entry.FieldAccountType, Rule: entry.RuleUnknownValue},
		{Field: entry.FieldOwnerTaxID, Rule: entry.RuleCheckDigits},
		{Field: entry.FieldOwnerName, Rule: entry.RuleMaxLength},
		{Field: entry.FieldOwnerTradeName, Rule: entry.RuleNotAllowed},
		{Field: entry.FieldStatus, Rule: entry.RuleUnknownValue},
	}
	var got []entry.ValidationError
	for _, v := range entry.Violations(err) {
		got = append(got, *v)
	}
	assert.Equal(t, want, got)

	lines := strings.Split(err.Error(), "\n")
	require.Len(t, lines, len(want), "the message lists every failure")
	for i, w := range want {
		assert.Equal(t, w.Error(), lines[i])
	}
	requireNoLeak(t, err, e.KeyValue, e.OwnerTaxID, e.OwnerName, e.OwnerTradeName, "Joao", "Silva")
}

func TestValidateUnknownOwnerTypeSkipsOwnerChecks(t *testing.T) {
	e := validEntry()
	e.KeyType, e.KeyValue = entry.KeyTypeCPF, otherValidCPF
	e.OwnerType = "TRUST"
	e.OwnerTaxID = "not-a-tax-id"
	err := e.Validate()
	requireFailure(t, err, entry.FieldOwnerType, entry.RuleUnknownValue, e.OwnerTaxID, e.KeyValue)
}

func TestValidateNilEntry(t *testing.T) {
	var e *entry.Entry
	requireFailure(t, e.Validate(), entry.FieldEntry, entry.RuleRequired)
}

func TestValidationError(t *testing.T) {
	ve := &entry.ValidationError{Field: entry.FieldISPB, Rule: entry.RuleFormat}
	assert.Equal(t, "EntryInvalid: ispb: format", ve.Error())
	assert.Same(t, entry.ErrInvalidEntry, ve.Unwrap())
	assert.True(t, errors.Is(ve, entry.ErrInvalidEntry))

	assert.Nil(t, entry.Violations(nil))
	assert.Nil(t, entry.Violations(errors.New("other")))
	wrapped := errors.Join(errors.New("context"), ve)
	assert.Equal(t, []*entry.ValidationError{ve}, entry.Violations(wrapped))
}
