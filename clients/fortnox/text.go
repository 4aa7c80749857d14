package fortnox

import (
	"strings"
	"unicode"
)

// allowedPunct is the punctuation Fortnox accepts in text besides letters and digits; any
// other character is refused with error 2000359 ("Värdet innehåller ej tillåtna tecken").
const allowedPunct = "–:.,;^¤#%§£$€¢¥©™°&/()=+-*_!?²³®½@ \u00a0\n\r"

func allowedRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(allowedPunct, r)
}

// RefusedRune returns the first character of s that Fortnox refuses in text fields, so a
// caller can name it before a write fails.
func RefusedRune(s string) (rune, bool) {
	for _, r := range s {
		if !allowedRune(r) {
			return r, true
		}
	}
	return 0, false
}

// CleanText drops the characters Fortnox refuses and turns tabs into spaces.
func CleanText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\t':
			b.WriteRune(' ')
		case allowedRune(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}
