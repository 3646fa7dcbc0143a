package entry_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/lbpay-lab/dict-events/entry"
)

func TestValidCPF(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"known valid", validCPF, true},
		{"other valid", otherValidCPF, true},
		{"spec example fails check digits", "11122233300", false},
		{"first check digit wrong", "24843803470", false},
		{"second check digit wrong", "24843803481", false},
		{"all zeros pass mod-11 but are rejected", "00000000000", false},
		{"all ones pass mod-11 but are rejected", "11111111111", false},
		{"too short", "2484380348", false},
		{"too long", "248438034800", false},
		{"punctuated", "248.438.034-80", false},
		{"letter", "2484380348A", false},
		{"empty", "", false},
		{"non-ASCII digits", "２４８４３８０３４８０", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, entry.ValidCPF(tt.in))
		})
	}
}

func TestValidCNPJ(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"known valid numeric", validCNPJ, true},
		{"other valid numeric", otherValidCNPJ, true},
		{"known valid alphanumeric", alnumCNPJ, true},
		{"spec example fails check digits", "11222333000150", false},
		{"numeric first check digit wrong", "26637142000168", false},
		{"numeric second check digit wrong", "26637142000159", false},
		{"alphanumeric check digit wrong", "12ABC34501DE36", false},
		{"alphanumeric lowercase", "12abc34501de35", false},
		{"letter in check digits", "12ABC34501DE3A", false},
		{"all zeros pass mod-11 but are rejected", "00000000000000", false},
		{"too short", "2663714200015", false},
		{"too long", "266371420001580", false},
		{"punctuated", "26.637.142/0001-58", false},
		{"symbol", "12ABC34501D-35", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, entry.ValidCNPJ(tt.in))
		})
	}
}
