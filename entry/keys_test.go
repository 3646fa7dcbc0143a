package entry_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/lbpay-lab/dict-events/entry"
)

// keyCase is one ValidateKey case; an empty rule means the key is valid.
type keyCase struct {
	name  string
	typ   entry.KeyType
	value string
	field string
	rule  string
}

// keyCases covers, for every key type, valid values and one value per rule.
func keyCases() []keyCase {
	email77 := strings.Repeat("a", 64) + "@" + strings.Repeat("b", 8) + ".com" // 77 chars
	return []keyCase{
		// Key type.
		{"empty key type", "", validCPF, entry.FieldKeyType, entry.RuleRequired},
		{"unknown key type", "IBAN", "BR1800360305000010009795493C1", entry.FieldKeyType, entry.RuleUnknownValue},
		{"lowercase key type", "cpf", validCPF, entry.FieldKeyType, entry.RuleUnknownValue},
		{"empty key", entry.KeyTypePhone, "", entry.FieldKeyValue, entry.RuleRequired},
		{"key over 77 characters", entry.KeyTypeEmail, strings.Repeat("a", 70) + "@bcb.gov.br", entry.FieldKeyValue, entry.RuleMaxLength},

		// CPF.
		{"CPF known valid", entry.KeyTypeCPF, validCPF, "", ""},
		{"CPF other valid", entry.KeyTypeCPF, otherValidCPF, "", ""},
		{"CPF 10 digits", entry.KeyTypeCPF, "2484380348", entry.FieldKeyValue, entry.RuleFormat},
		{"CPF with letter", entry.KeyTypeCPF, "2484380348X", entry.FieldKeyValue, entry.RuleFormat},
		{"CPF punctuated", entry.KeyTypeCPF, "248.438.034-80", entry.FieldKeyValue, entry.RuleFormat},
		{"CPF check digits", entry.KeyTypeCPF, "24843803481", entry.FieldKeyValue, entry.RuleCheckDigits},
		{"CPF spec example", entry.KeyTypeCPF, "11122233300", entry.FieldKeyValue, entry.RuleCheckDigits},
		{"CPF repeated digits", entry.KeyTypeCPF, "77777777777", entry.FieldKeyValue, entry.RuleRepeatedDigits},

		// CNPJ.
		{"CNPJ known valid", entry.KeyTypeCNPJ, validCNPJ, "", ""},
		{"CNPJ other valid", entry.KeyTypeCNPJ, otherValidCNPJ, "", ""},
		{"CNPJ alphanumeric valid", entry.KeyTypeCNPJ, alnumCNPJ, "", ""},
		{"CNPJ 13 digits", entry.KeyTypeCNPJ, "2663714200015", entry.FieldKeyValue, entry.RuleFormat},
		{"CNPJ alphanumeric lowercase", entry.KeyTypeCNPJ, "12abc34501de35", entry.FieldKeyValue, entry.RuleFormat},
		{"CNPJ letter check digit", entry.KeyTypeCNPJ, "12ABC34501DE3A", entry.FieldKeyValue, entry.RuleFormat},
		{"CNPJ check digits", entry.KeyTypeCNPJ, "26637142000159", entry.FieldKeyValue, entry.RuleCheckDigits},
		{"CNPJ alphanumeric check digits", entry.KeyTypeCNPJ, "12ABC34501DE36", entry.FieldKeyValue, entry.RuleCheckDigits},
		{"CNPJ spec example", entry.KeyTypeCNPJ, "11222333000150", entry.FieldKeyValue, entry.RuleCheckDigits},
		{"CNPJ all zeros", entry.KeyTypeCNPJ, "00000000000000", entry.FieldKeyValue, entry.RuleRepeatedDigits},

		// PHONE.
		{"PHONE notes example", entry.KeyTypePhone, "+5561988887777", "", ""},
		{"PHONE spec example", entry.KeyTypePhone, "+5510998765432", "", ""},
		{"PHONE shortest (3 digits)", entry.KeyTypePhone, "+123", "", ""},
		{"PHONE longest the DICT regex allows (16 digits)", entry.KeyTypePhone, "+1234567890123456", "", ""},
		{"PHONE 17 digits", entry.KeyTypePhone, "+12345678901234567", entry.FieldKeyValue, entry.RuleFormat},
		{"PHONE 2 digits", entry.KeyTypePhone, "+55", entry.FieldKeyValue, entry.RuleFormat},
		{"PHONE without plus", entry.KeyTypePhone, "5561988887777", entry.FieldKeyValue, entry.RuleFormat},
		{"PHONE leading zero", entry.KeyTypePhone, "+0561988887777", entry.FieldKeyValue, entry.RuleFormat},
		{"PHONE with spaces", entry.KeyTypePhone, "+55 61 98888-7777", entry.FieldKeyValue, entry.RuleFormat},

		// EMAIL.
		{"EMAIL spec example", entry.KeyTypeEmail, "pix@bcb.gov.br", "", ""},
		{"EMAIL special characters", entry.KeyTypeEmail, "o'neil+pix_1{x}@exemplo-1.com.br", "", ""},
		{"EMAIL 77 characters", entry.KeyTypeEmail, email77, "", ""},
		{"EMAIL 78 characters", entry.KeyTypeEmail, "a" + email77, entry.FieldKeyValue, entry.RuleMaxLength},
		{"EMAIL uppercase", entry.KeyTypeEmail, "Pix@bcb.gov.br", entry.FieldKeyValue, entry.RuleLowercase},
		{"EMAIL with percent", entry.KeyTypeEmail, "pix%joao@bcb.gov.br", entry.FieldKeyValue, entry.RuleFormat},
		{"EMAIL without domain", entry.KeyTypeEmail, "pix@", entry.FieldKeyValue, entry.RuleFormat},
		{"EMAIL without local part", entry.KeyTypeEmail, "@bcb.gov.br", entry.FieldKeyValue, entry.RuleFormat},
		{"EMAIL domain starts with hyphen", entry.KeyTypeEmail, "pix@-bcb.gov.br", entry.FieldKeyValue, entry.RuleFormat},
		{"EMAIL with space", entry.KeyTypeEmail, "joao silva@bcb.gov.br", entry.FieldKeyValue, entry.RuleFormat},
		{"EMAIL accented", entry.KeyTypeEmail, "joão@bcb.gov.br", entry.FieldKeyValue, entry.RuleFormat},

		// EVP.
		{"EVP spec example", entry.KeyTypeEVP, "123e4567-e89b-12d3-a456-426655440000", "", ""},
		{"EVP uppercase", entry.KeyTypeEVP, "123E4567-E89B-12D3-A456-426655440000", entry.FieldKeyValue, entry.RuleLowercase},
		{"EVP without hyphens", entry.KeyTypeEVP, "123e4567e89b12d3a456426655440000", entry.FieldKeyValue, entry.RuleFormat},
		{"EVP in braces", entry.KeyTypeEVP, "{123e4567-e89b-12d3-a456-426655440000}", entry.FieldKeyValue, entry.RuleFormat},
		{"EVP URN", entry.KeyTypeEVP, "urn:uuid:123e4567-e89b-12d3-a456-426655440000", entry.FieldKeyValue, entry.RuleFormat},
		{"EVP not hex", entry.KeyTypeEVP, "123e4567-e89b-12d3-a456-42665544000g", entry.FieldKeyValue, entry.RuleFormat},
	}
}

func TestValidateKey(t *testing.T) {
	for _, tt := range keyCases() {
		t.Run(tt.name, func(t *testing.T) {
			err := entry.ValidateKey(tt.typ, tt.value)
			if tt.rule == "" {
				assert.NoError(t, err)
				return
			}
			requireFailure(t, err, tt.field, tt.rule, tt.value)
		})
	}
}

// TestValidateKeyMatchesValidate checks that Validate reports a key exactly
// as ValidateKey does.
func TestValidateKeyMatchesValidate(t *testing.T) {
	for _, tt := range keyCases() {
		t.Run(tt.name, func(t *testing.T) {
			e := validEntry()
			e.KeyType, e.KeyValue = tt.typ, tt.value
			// Make the owner consistent with CPF and CNPJ keys.
			switch {
			case tt.typ == entry.KeyTypeCPF && tt.rule == "":
				e.OwnerTaxID = tt.value
			case tt.typ == entry.KeyTypeCNPJ:
				e.OwnerType, e.OwnerTaxID = entry.OwnerTypeLegalPerson, validCNPJ
				if tt.rule == "" {
					e.OwnerTaxID = tt.value
				}
			}
			err := e.Validate()
			if tt.rule == "" {
				assert.NoError(t, err)
				return
			}
			requireFailure(t, err, tt.field, tt.rule, tt.value)
		})
	}
}

func TestValidateISPB(t *testing.T) {
	tests := []struct {
		name string
		in   string
		rule string
	}{
		{"8 digits", "12345678", ""},
		{"leading zeros", "00000000", ""},
		{"empty", "", entry.RuleRequired},
		{"7 digits", "1234567", entry.RuleFormat},
		{"9 digits", "123456789", entry.RuleFormat},
		{"letter", "1234567A", entry.RuleFormat},
		{"space", "1234 678", entry.RuleFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := entry.ValidateISPB(tt.in)
			if tt.rule == "" {
				assert.NoError(t, err)
				return
			}
			requireFailure(t, err, entry.FieldISPB, tt.rule, tt.in)
		})
	}
}
