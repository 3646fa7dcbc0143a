package entry

// Lengths of Brazilian tax IDs.
const (
	// CPFLength is the number of digits in a CPF.
	CPFLength = 11
	// CNPJLength is the number of characters in a CNPJ.
	CNPJLength = 14
)

// Weights of the mod-11 check digits, applied left to right.
var (
	cpfWeights1  = []int{10, 9, 8, 7, 6, 5, 4, 3, 2}
	cpfWeights2  = []int{11, 10, 9, 8, 7, 6, 5, 4, 3, 2}
	cnpjWeights1 = []int{5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2}
	cnpjWeights2 = []int{6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2}
)

// ValidCPF reports whether s is a CPF: 11 digits, not all the same, with
// both mod-11 check digits right. Punctuation is not accepted.
func ValidCPF(s string) bool {
	return cpfRule(s) == ""
}

// ValidCNPJ reports whether s is a CNPJ with both mod-11 check digits right.
// Both the numeric form (14 digits) and the alphanumeric form of the Receita
// Federal (12 characters of [0-9A-Z] then 2 digits; letters must be
// uppercase) are accepted. A CNPJ that is one character repeated is
// rejected. Punctuation is not accepted.
func ValidCNPJ(s string) bool {
	return cnpjRule(s) == ""
}

// cpfRule returns the first rule s fails as a CPF, or "" if it is valid.
func cpfRule(s string) string {
	if len(s) != CPFLength {
		return RuleFormat
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return RuleFormat
		}
	}
	if repeated(s) {
		return RuleRepeatedDigits
	}
	if !checkDigitsMatch(s, cpfWeights1, cpfWeights2) {
		return RuleCheckDigits
	}
	return ""
}

// cnpjRule returns the first rule s fails as a CNPJ, or "" if it is valid.
func cnpjRule(s string) string {
	if len(s) != CNPJLength {
		return RuleFormat
	}
	for i := 0; i < CNPJLength-2; i++ {
		if !isDigit(s[i]) && (s[i] < 'A' || s[i] > 'Z') {
			return RuleFormat
		}
	}
	if !isDigit(s[CNPJLength-2]) || !isDigit(s[CNPJLength-1]) {
		return RuleFormat
	}
	if repeated(s) {
		return RuleRepeatedDigits
	}
	if !checkDigitsMatch(s, cnpjWeights1, cnpjWeights2) {
		return RuleCheckDigits
	}
	return ""
}

// checkDigitsMatch reports whether the two last characters of s are the
// mod-11 check digits computed with w1 and w2. Each character counts as its
// ASCII code minus 48 ('0'..'9' are 0..9, 'A' is 17), the Receita Federal
// rule that also covers the alphanumeric CNPJ.
func checkDigitsMatch(s string, w1, w2 []int) bool {
	n := len(w1)
	return mod11(s, w1) == int(s[n]-'0') && mod11(s, w2) == int(s[n+1]-'0')
}

// mod11 computes a check digit over the first len(w) characters of s.
func mod11(s string, w []int) int {
	sum := 0
	for i, weight := range w {
		sum += int(s[i]-'0') * weight
	}
	if r := sum % 11; r >= 2 {
		return 11 - r
	}
	return 0
}

// repeated reports whether s is one byte repeated.
func repeated(s string) bool {
	for i := 1; i < len(s); i++ {
		if s[i] != s[0] {
			return false
		}
	}
	return true
}

// isDigit reports whether c is an ASCII digit.
func isDigit(c byte) bool {
	return c >= '0' && c <= '9'
}

// allDigits reports whether s has between minLen and maxLen bytes, all ASCII
// digits.
func allDigits(s string, minLen, maxLen int) bool {
	if len(s) < minLen || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}
