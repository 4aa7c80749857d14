package fortnox

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzWrites feeds arbitrary bodies to every write route: the answer must always be a
// Fortnox answer (never a 5xx, never a non-JSON error).
func FuzzWrites(f *testing.F) {
	for _, seed := range []string{`{"Customer":{"Name":"x"}}`, `{"Article":{"Description":"x","QuantityInStock":"1.005"}}`,
		`{"Order":{"CustomerNumber":"1","OrderRows":[{"ArticleNumber":"ART-1001","OrderedQuantity":"2","RowId":1001}]}}`,
		`{"Price":{"ArticleNumber":"ART-1001","PriceList":"A","Price":1e400}}`, `{"Unit":{"Code":"x","Description":"y"}}`,
		`{"code":"X","name":"y","stockLocations":[{"code":"z"}]}`, `[`, `{"Order":{"Labels":[{"Id":1.5}]}}`} {
		f.Add(seed)
	}
	fx := New(Options{NoLimits: true, Warehouse: true})
	if err := fx.Reset(resetDemo()); err != nil {
		f.Fatal(err)
	}
	tok := fx.issue("fortspeed-demo", "1234567", defaultScope, fx.opts.TokenTTL, false).AccessToken
	paths := []string{"/3/customers", "/3/customers/1", "/3/articles", "/3/articles/ART-1001", "/3/orders", "/3/orders/1",
		"/3/prices", "/3/prices/A/ART-1001", "/3/units", "/3/units/st", "/3/pricelists/A", "/api/warehouse/stockpoints-v1", "/api/warehouse/stockpoints-v1/LAGER"}
	f.Fuzz(func(t *testing.T, body string) {
		for _, p := range paths {
			for _, m := range []string{"POST", "PUT"} {
				req := httptest.NewRequest(m, p, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+tok)
				rec := httptest.NewRecorder()
				fx.ServeHTTP(rec, req)
				if rec.Code >= 500 {
					t.Fatalf("%s %s %q: %d %s", m, p, body, rec.Code, rec.Body)
				}
				if rec.Code >= 400 && rec.Code != http.StatusMethodNotAllowed && !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
					t.Fatalf("%s %s %q: %d with %q", m, p, body, rec.Code, rec.Header().Get("Content-Type"))
				}
			}
		}
	})
}
