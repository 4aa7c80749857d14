package fortnox

import (
	"net/http/httptest"
	"testing"

	"fortspeed/sandbox/testapi"
)

// BenchmarkSimpleGET measures GET /3/articles/{n} through the full handler (harness, auth,
// routing, JSON) over loopback HTTP with limits off.
func BenchmarkSimpleGET(b *testing.B) {
	fx := New(Options{NoLimits: true})
	srv := httptest.NewServer(fx)
	defer srv.Close()
	sb := &sandbox{t: b, fx: fx, srv: srv}
	if status, _, body := sb.raw("POST", "/_sandbox/reset", "", `{"seed":"demo","limits":false}`); status != 200 {
		b.Fatalf("reset: %d %s", status, body)
	}
	token := sb.mint(`{}`)
	articles := []string{"TS-MAR-S", "TS-MAR-M", "TS-MAR-L", "ART-1001", "ART-1002"}

	testapi.BenchmarkGETs(b, func(i int64) string {
		return srv.URL + "/3/articles/" + articles[i%int64(len(articles))]
	}, "Bearer "+token)
}
