// Package entrytest provides valid DICT entries for tests, examples and the
// demo: deterministic, distinct per index, for every key type.
package entrytest

import (
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/lbpay-lab/dict-events/entry"
)

// CPF returns the n-th valid CPF (11 digits, check digits correct).
func CPF(n int) string {
	return withCheckDigits(fmt.Sprintf("%09d", 100000000+n%800000000), entry.ValidCPF)
}

// CNPJ returns the n-th valid numeric CNPJ (14 digits).
func CNPJ(n int) string {
	return withCheckDigits(fmt.Sprintf("%08d0001", 10000000+n%80000000), entry.ValidCNPJ)
}

// withCheckDigits finds the two check digits that make base valid, so this
// package relies on entry's algorithm instead of repeating it.
func withCheckDigits(base string, valid func(string) bool) string {
	for d := range 100 {
		if s := fmt.Sprintf("%s%02d", base, d); valid(s) {
			return s
		}
	}
	panic("entrytest: no check digits for " + base) // unreachable: mod-11 always has one
}

// Entry returns the n-th valid entry of key type kt: a natural person for
// CPF, EMAIL, PHONE and EVP keys, a legal person for CNPJ keys. Its ID and
// key are derived from n, so Entry(kt, n) is the same entry every time.
func Entry(kt entry.KeyType, n int) *entry.Entry {
	created := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Minute)
	e := &entry.Entry{
		ID:            uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "dict-events/%s/%d", kt, n)),
		KeyType:       kt,
		ISPB:          "26264220",
		Branch:        fmt.Sprintf("%04d", 1+n%9999),
		AccountNumber: fmt.Sprintf("%010d", 1000000+n),
		AccountType:   entry.AccountTypeCACC,
		OwnerName:     fmt.Sprintf("Maria José da Silva %d", n),
		OwnerTaxID:    CPF(n),
		OwnerType:     entry.OwnerTypeNaturalPerson,
		OpeningDate:   time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC),
		Status:        entry.KeyStatusActive,
		CreatedAt:     created,
		UpdatedAt:     created,
	}
	switch kt {
	case entry.KeyTypeCPF:
		e.KeyValue = e.OwnerTaxID
	case entry.KeyTypeCNPJ:
		e.OwnerType = entry.OwnerTypeLegalPerson
		e.OwnerTaxID = CNPJ(n)
		e.OwnerName = fmt.Sprintf("Padaria Pão Quente %d Ltda", n)
		e.OwnerTradeName = "Pão Quente"
		e.KeyValue = e.OwnerTaxID
	case entry.KeyTypeEmail:
		e.KeyValue = fmt.Sprintf("maria.silva%d@example.com.br", n)
	case entry.KeyTypePhone:
		e.KeyValue = fmt.Sprintf("+55619%08d", n%100000000)
	case entry.KeyTypeEVP:
		e.KeyValue = uuid.NewSHA1(uuid.NameSpaceURL, fmt.Appendf(nil, "evp/%d", n)).String()
	}
	return e
}

// Entries returns n valid entries cycling through every key type.
func Entries(n int) []*entry.Entry {
	types := entry.KeyTypes()
	out := make([]*entry.Entry, n)
	for i := range out {
		out[i] = Entry(types[i%len(types)], i)
	}
	return out
}
