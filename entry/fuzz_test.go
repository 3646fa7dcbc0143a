package entry_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/lbpay-lab/dict-events/entry"
)

// FuzzValidate checks that Validate and ValidateKey never panic, that every
// failure wraps ErrInvalidEntry, and that messages keep to the fixed
// vocabulary of codes, fields and rules, so no input can leak into them.
func FuzzValidate(f *testing.F) {
	f.Add("CPF", validCPF, validCPF, "João", "", "NATURAL_PERSON", "12345678", "0001", "1")
	f.Add("CNPJ", alnumCNPJ, alnumCNPJ, "Padaria", "Três", "LEGAL_PERSON", "00000000", "", "0007654321")
	f.Add("EMAIL", "Pix@bcb.gov.br", "11122233300", "", "X", "PERSON", "1", "12345", "")
	f.Add("PHONE", "+5561988887777", "\xff", strings.Repeat("ã", 121), "\xff", "", "", "a", "1-2")
	f.Add("EVP", "123E4567-E89B-12D3-A456-426655440000", "", " ", "", "LEGAL_PERSON", "abcdefgh", "1", "x")
	f.Fuzz(func(t *testing.T, keyType, key, taxID, name, tradeName, ownerType, ispb, branch, account string) {
		e := validEntry()
		e.KeyType, e.KeyValue = entry.KeyType(keyType), key
		e.OwnerTaxID, e.OwnerName, e.OwnerTradeName = taxID, name, tradeName
		e.OwnerType = entry.OwnerType(ownerType)
		e.ISPB, e.Branch, e.AccountNumber = ispb, branch, account

		for _, err := range []error{e.Validate(), entry.ValidateKey(e.KeyType, key), entry.ValidateISPB(ispb)} {
			if err == nil {
				continue
			}
			if !errors.Is(err, entry.ErrInvalidEntry) {
				t.Fatalf("error does not wrap ErrInvalidEntry: %v", err)
			}
			if p := messageProblem(err); p != "" {
				t.Fatal(p)
			}
			msg := err.Error()
			for _, in := range []string{key, taxID, name, tradeName} {
				// An input spelled only with the vocabulary's characters
				// may occur in it by chance; messageProblem covers those.
				if strings.IndexFunc(in, outsideVocabulary) >= 0 && strings.Contains(msg, in) {
					t.Fatalf("message leaks an input: %q", msg)
				}
			}
		}
	})
}

// outsideVocabulary reports whether r cannot appear in a failure message.
func outsideVocabulary(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_' || r == ':' || r == ' ' || r == '\n')
}
