package clients

import (
	"errors"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestScrubRemovesQueryValuesAndEmailAddresses(t *testing.T) {
	u, _ := url.Parse("https://api.fortnox.se/3/customers?name=Anna+Andersson&page=2")
	cases := map[string]string{
		"Ogiltig parameter (name=Anna Andersson).":         "Ogiltig parameter (name=…).",
		"Kunden Anna Andersson finns inte":                 "Kunden … finns inte",
		"Ogiltig e-postadress: anna.a+1@example.co.uk":     "Ogiltig e-postadress: …",
		"GET /3/customers?email=anna%40example.se&page=2 ": "GET /3/customers?… ",
		"page 2 of 7": "page 2 of 7",
	}
	for in, want := range cases {
		assert.Equal(t, want, Scrub(in, u), in)
	}
	assert.Equal(t, "no answer: …", Scrub("no answer: x@y.se", nil), "without the request's URL")
}

func TestWithoutQueryKeepsThePath(t *testing.T) {
	err := WithoutQuery(&url.Error{Op: "Get", URL: "http://127.0.0.1:8081/3/customers?email=anna%40example.se", Err: errors.New("timeout")})
	assert.Equal(t, `Get "http://127.0.0.1:8081/3/customers": timeout`, err.Error())
}
