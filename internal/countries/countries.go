// Package countries is the ISO 3166-1 table: every alpha-2 code with its English name,
// generated from the iso-codes project (see gen.go) so a fresh machine needs no package.
package countries

//go:generate go run gen.go /usr/share/iso-codes/json/iso_3166-1.json

import "strings"

// Name returns the English short name of an alpha-2 code ("AR" → "Argentina"), "" when the
// code is not in ISO 3166-1. The code is matched without case.
func Name(code string) string { return names[strings.ToUpper(strings.TrimSpace(code))] }

// Codes calls each for every code in the table with its English names, the short name first.
func Codes(each func(code string, names []string)) {
	for code, name := range names {
		each(code, append([]string{name}, otherNames[code]...))
	}
}
