package lightspeed

import (
	"net/http/httptest"
	"strconv"
	"testing"

	"fortspeed/sandbox/testapi"
)

// BenchmarkSimpleGET measures GET Item/{id}.json through the full handler (harness, auth,
// limiter bookkeeping, rendering) over loopback HTTP with the limits off.
func BenchmarkSimpleGET(b *testing.B) {
	ls := New(Options{NoLimits: true})
	if err := ls.Reset(testapi.ResetRequest{Seed: "demo"}); err != nil {
		b.Fatal(err)
	}
	tok, err := ls.MintTokens(nil)
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(ls)
	defer srv.Close()
	testapi.BenchmarkGETs(b, func(i int64) string {
		return srv.URL + acct + "Item/" + strconv.FormatInt(i%246+1, 10) + ".json"
	}, "Bearer "+tok.(tokenResponse).AccessToken)
}
