package entry_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/lbpay-lab/dict-events/entry"
)

func ExampleEntry_Validate() {
	e := entry.Entry{
		ID:            uuid.MustParse("0b9f5c52-3c1e-4f5a-8d3b-6a1f2e7c9d40"),
		KeyType:       entry.KeyTypeCPF,
		KeyValue:      "24843803480",
		ISPB:          "12345678",
		Branch:        "0001",
		AccountNumber: "0007654321",
		AccountType:   entry.AccountTypeCACC,
		OwnerName:     "João da Silva",
		OwnerTaxID:    "24843803480",
		OwnerType:     entry.OwnerTypeNaturalPerson,
		OpeningDate:   time.Date(2020, 11, 3, 0, 0, 0, 0, time.UTC),
		Status:        entry.KeyStatusPending,
	}
	fmt.Println("valid:", e.Validate())

	e.KeyValue = "24843803481" // wrong check digit
	e.Branch = "00001"         // five digits
	err := e.Validate()
	fmt.Println("invalid entry:", errors.Is(err, entry.ErrInvalidEntry))
	fmt.Println(err)

	var ve *entry.ValidationError
	if errors.As(err, &ve) {
		fmt.Println("first failure:", ve.Field, ve.Rule)
	}
	// Output:
	// valid: <nil>
	// invalid entry: true
	// EntryInvalid: key_value: check_digits
	// EntryInvalid: branch: format
	// first failure: key_value check_digits
}

func ExampleValidateKey() {
	fmt.Println(entry.ValidateKey(entry.KeyTypeEmail, "pix@bcb.gov.br"))
	fmt.Println(entry.ValidateKey(entry.KeyTypeEmail, "Pix@bcb.gov.br"))
	fmt.Println(entry.ValidateKey(entry.KeyTypeCNPJ, "12ABC34501DE35"))
	// Output:
	// <nil>
	// EntryInvalid: key_value: lowercase
	// <nil>
}
