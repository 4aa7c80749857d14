package lightspeed

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"fortspeed/clients"
)

// fakeOAuth is a token endpoint with rotating, single-use refresh tokens.
type fakeOAuth struct {
	mu       sync.Mutex
	calls    int
	valid    map[string]string // live refresh token → access token it yields
	accessOK map[string]bool
}

func (o *fakeOAuth) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls++
	access, ok := o.valid[form.Get("refresh_token")]
	if form.Get("grant_type") != "refresh_token" || !ok || form.Has("scope") {
		jsonAnswer(w, 400, `{"error":"invalid_grant","error_description":"The refresh token is invalid.","hint":"Token has been revoked"}`)
		return
	}
	delete(o.valid, form.Get("refresh_token"))
	next := form.Get("refresh_token") + "+"
	o.valid[next] = access + "+"
	o.accessOK[access] = true
	jsonAnswer(w, 200, `{"token_type":"Bearer","expires_in":3600,"access_token":"`+access+`","refresh_token":"`+next+`"}`)
}

func (o *fakeOAuth) callCount() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.calls
}

func (o *fakeOAuth) accepts(token string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.accessOK[token]
}

func TestTwoClientsSharingARefreshingSourceRefreshOnce(t *testing.T) {
	oauth := &fakeOAuth{valid: map[string]string{"r1": "fresh"}, accessOK: map[string]bool{}}
	authSrv := httptest.NewServer(oauth)
	defer authSrv.Close()

	// Both clients' first requests are held until both have arrived with the stale token,
	// so both see a 401 before either refreshes.
	var stale atomic.Int32
	bothStale := make(chan struct{})
	api := &fakeAPI{handle: func(w http.ResponseWriter, r *http.Request, _ int) {
		tok := r.Header.Get("Authorization")[len("Bearer "):]
		if !oauth.accepts(tok) {
			if stale.Add(1) == 2 {
				close(bothStale)
			}
			select {
			case <-bothStale:
			case <-time.After(5 * time.Second):
			}
			jsonAnswer(w, 401, oauth401)
			return
		}
		jsonAnswer(w, 200, `{"Shop":{"shopID":"1"}}`)
	}}
	apiSrv := httptest.NewServer(api)
	defer apiSrv.Close()

	var saved []clients.Token
	src := clients.NewRefreshingSource(clients.OAuthConfig{Vendor: "lightspeed", TokenURL: authSrv.URL, ClientID: "id", ClientSecret: "s", Auth: clients.AuthBody},
		clients.Token{AccessToken: "stale", RefreshToken: "r1", Expiry: time.Now().Add(time.Hour)},
		func(_ context.Context, tok clients.Token) error { saved = append(saved, tok); return nil })
	var wg sync.WaitGroup
	for range 2 {
		c, err := New(Config{BaseURL: apiSrv.URL, AccountID: 1, Tokens: src})
		require.NoError(t, err)
		wg.Go(func() {
			shops, err := c.Shops(context.Background())
			assert.NoError(t, err)
			assert.Len(t, shops, 1)
		})
	}
	wg.Wait()
	assert.Equal(t, 1, oauth.callCount(), "one refresh for two 401s")
	require.Len(t, saved, 1, "the rotated pair is saved")
	assert.Equal(t, "r1+", saved[0].RefreshToken)
}

func TestReusedRefreshTokenIsInvalidGrant(t *testing.T) {
	oauth := &fakeOAuth{valid: map[string]string{}, accessOK: map[string]bool{}}
	authSrv := httptest.NewServer(oauth)
	defer authSrv.Close()
	c, f, _ := newFake(t, func(w http.ResponseWriter, r *http.Request, _ int) { jsonAnswer(w, 401, oauth401) })
	c.tokens = clients.NewRefreshingSource(clients.OAuthConfig{Vendor: "lightspeed", TokenURL: authSrv.URL, Auth: clients.AuthBody},
		clients.Token{AccessToken: "stale", RefreshToken: "already-used", Expiry: time.Now().Add(time.Hour)}, nil)
	_, err := c.Shops(context.Background())
	ce := kindOf(t, err)
	assert.Equal(t, clients.InvalidGrant, ce.Kind)
	assert.Len(t, f.requests(), 1, "no retry without a new token")
}
