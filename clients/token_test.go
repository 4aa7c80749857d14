package clients

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// tokenServer is a minimal rotating OAuth token endpoint: each refresh token works once.
type tokenServer struct {
	mu      sync.Mutex
	valid   map[string]bool
	n       int
	refresh atomic.Int32
	basic   bool
}

func newTokenServer(t *testing.T, basic bool) (*tokenServer, *httptest.Server) {
	ts := &tokenServer{valid: map[string]bool{"r0": true}, basic: basic}
	srv := httptest.NewServer(http.HandlerFunc(ts.serve))
	t.Cleanup(srv.Close)
	return ts, srv
}

func (ts *tokenServer) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ts.basic {
		id, secret, ok = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret"), true
	}
	if !ok || id != "cid" || secret != "sec" {
		w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":"invalid_client","error_description":"The client credentials are invalid"}`)
		return
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	switch r.PostForm.Get("grant_type") {
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		if !ts.valid[rt] {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"invalid_grant","error_description":"Invalid refresh token"}`)
			return
		}
		delete(ts.valid, rt)
	case "client_credentials":
		if r.Header.Get(TenantHeader) != "t1" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"invalid_request","error_description":"missing tenant"}`)
			return
		}
	default:
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":"unsupported_grant_type"}`)
		return
	}
	ts.refresh.Add(1)
	ts.n++
	next := fmt.Sprintf("r%d", ts.n)
	ts.valid[next] = true
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"access_token":"a%d","refresh_token":%q,"expires_in":"3600","token_type":"bearer"}`, ts.n, next)
}

func TestRefreshingSourceRotatesAndSavesBeforeUse(t *testing.T) {
	ts, srv := newTokenServer(t, true)
	var saved []Token
	src := NewRefreshingSource(OAuthConfig{Vendor: "fortnox", TokenURL: srv.URL, ClientID: "cid", ClientSecret: "sec"},
		Token{RefreshToken: "r0"}, func(_ context.Context, tok Token) error { saved = append(saved, tok); return nil })
	ctx := context.Background()
	a1, err := src.Token(ctx)
	if err != nil || a1 != "a1" {
		t.Fatalf("first token: %q, %v", a1, err)
	}
	if again, _ := src.Token(ctx); again != "a1" {
		t.Fatalf("a valid token must come from cache, got %q", again)
	}
	a2, err := src.Refresh(ctx, a1)
	if err != nil || a2 != "a2" {
		t.Fatalf("refresh after 401: %q, %v", a2, err)
	}
	if len(saved) != 2 || saved[1].RefreshToken != "r2" {
		t.Fatalf("every rotated pair must be saved, got %+v", saved)
	}
	if n := ts.refresh.Load(); n != 2 {
		t.Fatalf("want 2 token requests, got %d", n)
	}
}

func TestRefreshIsSingleFlightAcrossCallers(t *testing.T) {
	ts, srv := newTokenServer(t, false)
	src := NewRefreshingSource(OAuthConfig{Vendor: "lightspeed", TokenURL: srv.URL, ClientID: "cid", ClientSecret: "sec", Auth: AuthBody},
		Token{RefreshToken: "r0"}, nil)
	ctx := context.Background()
	first, err := src.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	got := make([]string, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], _ = src.Refresh(ctx, first)
		}()
	}
	wg.Wait()
	for _, g := range got {
		if g != "a2" {
			t.Fatalf("every caller must get the one refreshed token, got %v", got)
		}
	}
	if n := ts.refresh.Load(); n != 2 {
		t.Fatalf("eight 401s must cause one refresh: %d token requests", n)
	}
}

func TestOnRefreshHearsEveryTokenRequest(t *testing.T) {
	_, srv := newTokenServer(t, true)
	var heard []string
	cfg := OAuthConfig{Vendor: "fortnox", TokenURL: srv.URL, ClientID: "cid", ClientSecret: "sec",
		OnRefresh: func(grant string, err error) { heard = append(heard, fmt.Sprintf("%s %s", grant, KindOf(err))) }}
	ctx := context.Background()
	src := NewRefreshingSource(cfg, Token{RefreshToken: "r0"}, nil)
	first, err := src.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	src.Token(ctx) // cached: no request
	src.Refresh(ctx, first)
	NewRefreshingSource(cfg, Token{RefreshToken: "r0"}, nil).Token(ctx) // r0 was used
	want := []string{"refresh_token ", "refresh_token ", "refresh_token InvalidGrant"}
	if fmt.Sprint(heard) != fmt.Sprint(want) {
		t.Fatalf("OnRefresh heard %q, want %q", heard, want)
	}
}

func TestReusedRefreshTokenIsInvalidGrant(t *testing.T) {
	_, srv := newTokenServer(t, true)
	cfg := OAuthConfig{Vendor: "fortnox", TokenURL: srv.URL, ClientID: "cid", ClientSecret: "sec"}
	ctx := context.Background()
	if _, err := NewRefreshingSource(cfg, Token{RefreshToken: "r0"}, nil).Token(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := NewRefreshingSource(cfg, Token{RefreshToken: "r0"}, nil).Token(ctx)
	if KindOf(err) != InvalidGrant {
		t.Fatalf("second use of a refresh token: want InvalidGrant, got %v", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Status != http.StatusBadRequest {
		t.Fatalf("want the 400 kept on the error, got %#v", err)
	}
}

func TestBadClientAndNoRefreshToken(t *testing.T) {
	_, srv := newTokenServer(t, true)
	ctx := context.Background()
	_, err := NewRefreshingSource(OAuthConfig{Vendor: "fortnox", TokenURL: srv.URL, ClientID: "cid", ClientSecret: "wrong"}, Token{RefreshToken: "r0"}, nil).Token(ctx)
	if KindOf(err) != Unauthorized {
		t.Fatalf("text/plain invalid_client: want Unauthorized, got %v", err)
	}
	_, err = NewRefreshingSource(OAuthConfig{Vendor: "fortnox", TokenURL: srv.URL}, Token{}, nil).Token(ctx)
	if KindOf(err) != InvalidGrant {
		t.Fatalf("no refresh token: want InvalidGrant, got %v", err)
	}
}

// TestUnsavedTokenIsKeptAndSavedAgain: the vendor has retired the old refresh token once
// it answered, so a pair that cannot be saved is used and kept, reported once, and saved
// on a later use.
func TestUnsavedTokenIsKeptAndSavedAgain(t *testing.T) {
	_, srv := newTokenServer(t, true)
	var saved []Token
	diskFull := true
	save := func(_ context.Context, tok Token) error {
		if diskFull {
			return errors.New("write token file: no space left on device")
		}
		saved = append(saved, tok)
		return nil
	}
	src := NewRefreshingSource(OAuthConfig{Vendor: "fortnox", TokenURL: srv.URL, ClientID: "cid", ClientSecret: "sec"},
		Token{RefreshToken: "r0"}, save)
	var reports []error
	src.OnSaveFailure(func(_ context.Context, err error) { reports = append(reports, err) })
	ctx := context.Background()

	tok, err := src.Token(ctx)
	if err != nil || tok == "" {
		t.Fatalf("an unsaved pair is still used: %q, %v", tok, err)
	}
	if !src.Unsaved() || src.Current().RefreshToken == "r0" {
		t.Fatalf("the rotated pair is kept in memory: unsaved %v, %+v", src.Unsaved(), src.Current())
	}
	if _, err := src.Token(ctx); err != nil {
		t.Fatal(err)
	}
	if len(reports) != 1 || reports[0] == nil || strings.Contains(reports[0].Error(), tok) {
		t.Fatalf("want one report without the token, got %v", reports)
	}

	diskFull = false
	if _, err := src.Token(ctx); err != nil {
		t.Fatal(err)
	}
	if src.Unsaved() || len(saved) != 1 || saved[0] != src.Current() {
		t.Fatalf("the next use saves the pair held: unsaved %v, saved %v", src.Unsaved(), saved)
	}
	if len(reports) != 2 || reports[1] != nil {
		t.Fatalf("want the recovery reported once, got %v", reports)
	}
}

func TestClientCredentialsSendsTenant(t *testing.T) {
	_, srv := newTokenServer(t, true)
	src := NewRefreshingSource(OAuthConfig{Vendor: "fortnox", TokenURL: srv.URL, ClientID: "cid", ClientSecret: "sec", TenantID: "t1"}, Token{}, nil)
	tok, err := src.Token(context.Background())
	if err != nil || tok == "" {
		t.Fatalf("client credentials: %q, %v", tok, err)
	}
}

func TestExpiredTokenIsRefreshedAndServerErrorsAreTransient(t *testing.T) {
	now := time.Now()
	_, srv := newTokenServer(t, true)
	cfg := OAuthConfig{Vendor: "fortnox", TokenURL: srv.URL, ClientID: "cid", ClientSecret: "sec", Now: func() time.Time { return now }}
	src := NewRefreshingSource(cfg, Token{AccessToken: "old", RefreshToken: "r0", Expiry: now.Add(30 * time.Second)}, nil)
	tok, err := src.Token(context.Background())
	if err != nil || tok == "old" {
		t.Fatalf("a token inside the expiry margin must be refreshed, got %q, %v", tok, err)
	}

	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, "<html>maintenance</html>")
	}))
	defer down.Close()
	_, err = Exchange(context.Background(), OAuthConfig{Vendor: "lightspeed", TokenURL: down.URL}, "code", "", "")
	if KindOf(err) != Transient {
		t.Fatalf("503 HTML: want Transient, got %v", err)
	}
}
