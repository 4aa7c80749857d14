// Package countries is the ISO 3166-1 table: every alpha-2 code with its English name,
// generated from the iso-codes project (see gen.go) so a fresh machine needs no package.
package countries

//go:generate go run gen.go /usr/share/iso-codes/json/iso_3166-1.json

import (
	"strings"
	"sync"
)

// Name returns the English short name of an alpha-2 code ("AR" → "Argentina"), "" when the
// code is not in ISO 3166-1. The code is matched without case.
func Name(code string) string { return names[strings.ToUpper(strings.TrimSpace(code))] }

// Codes calls each for every code in the table with its English names, the short name first.
func Codes(each func(code string, names []string)) {
	for code, name := range names {
		each(code, append([]string{name}, otherNames[code]...))
	}
}

var (
	byName     map[string]string
	byNameOnce sync.Once
)

// Code returns the alpha-2 code of an English country name: the short, ISO or official
// name ("Argentina", "Korea, Republic of", "Czech Republic"), matched without case; "" when
// the name is none of them.
func Code(name string) string {
	byNameOnce.Do(func() {
		byName = make(map[string]string, 2*len(names))
		Codes(func(code string, english []string) {
			for _, n := range english {
				byName[strings.ToLower(n)] = code
			}
		})
	})
	return byName[strings.ToLower(strings.TrimSpace(name))]
}
