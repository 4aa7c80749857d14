package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"fortspeed/clients"
	"fortspeed/internal/connections"
	"fortspeed/internal/workers"
	"fortspeed/mapping"
	"fortspeed/workflows"
)

// lightspeedScopes is what the flows read and write in Lightspeed: sales, items,
// customers, inventory and the registers of the pre-flight checks.
const lightspeedScopes = "employee:all"

// fortnoxScopes are the Fortnox scopes the enabled flows need (DESIGN.md; fortnox-api.md
// §1.7), in a stable order. The pre-flight checks read company information, settings
// registers and currencies whichever flows run.
func fortnoxScopes(s *mapping.Settings) string {
	need := map[string]bool{"companyinformation": true, "settings": true, "currency": true, "article": true}
	if s.Flows[mapping.FlowOrdersToFortnox].Enabled || s.Flows[mapping.FlowOrdersToLightspeed].Enabled {
		need["order"], need["customer"], need["price"] = true, true, true
	}
	if s.Flows[mapping.FlowOrdersToFortnox].Enabled && s.Orders.OnPickup == mapping.PickupInvoice {
		need["invoice"], need["payment"] = true, true
	}
	if s.Flows[mapping.FlowProducts].Enabled {
		need["price"] = true
	}
	if s.Flows[mapping.FlowStock].Enabled {
		// The warehouse API names no scope; `warehouse` is the one widely assumed.
		need["warehouse"] = true
	}
	order := []string{"companyinformation", "settings", "currency", "article", "customer", "order", "price", "invoice", "payment", "warehouse"}
	var out []string
	for _, sc := range order {
		if need[sc] {
			out = append(out, sc)
		}
	}
	return strings.Join(out, " ")
}

// connectTimeout bounds the wait for the browser's consent.
const connectTimeout = 10 * time.Minute

func newConnectCommand(out io.Writer) *cobra.Command {
	var follow bool
	var port int
	cmd := &cobra.Command{
		Use:   "connect fortnox|lightspeed",
		Short: "Authorize fortspeed at Fortnox or Lightspeed and hand the tokens to the connection",
		Long: "connect runs the OAuth authorization-code flow: it prints the authorize URL, receives the\n" +
			"answer on a local callback (http://127.0.0.1:<port>/callback; the state is checked, and\n" +
			"Lightspeed gets a PKCE challenge) and hands the tokens to the tenant's connection workflow\n" +
			"(<tenant>:connection:<vendor>), which owns them from then on: running workers use them at\n" +
			"once, and a connection that needed re-authorization resumes its schedules. It asks for\n" +
			"the scopes the enabled flows need. --follow opens the URL itself, which works against\n" +
			"the sandboxes (they approve at once). A Fortnox service account (FORTNOX_TENANT_ID, or\n" +
			"the tenant's fortnox.tenant_id) needs no browser: connect checks its credentials and\n" +
			"connects it.",
		Example: "  starter connect fortnox\n  starter connect lightspeed --port 8990\n  starter connect fortnox --tenant shop2",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return errors.New("name one vendor: fortnox or lightspeed")
			}
			if args[0] != workers.VendorFortnox && args[0] != workers.VendorLightspeed {
				return fmt.Errorf("unknown vendor %q: want fortnox or lightspeed", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if port < 0 || port > 65535 {
				return usageError(fmt.Errorf("--port: want 0 (any free port) to 65535, got %d", port))
			}
			e, err := loadEnvironment(tenantFlag(cmd))
			if err != nil {
				return err
			}
			// Said before dialling: the app is what is missing, not the server.
			if err := checkConnectApp(e.tenant, args[0]); err != nil {
				return err
			}
			c, err := e.dial(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			return connect(cmd.Context(), c, e.tenant, args[0], connectOptions{follow: follow, port: port}, out)
		},
	}
	cmd.Flags().BoolVar(&follow, "follow", false, "open the authorize URL itself (sandboxes approve without a browser)")
	cmd.Flags().IntVar(&port, "port", 0, "port of the local callback; 0 picks a free one (register the fixed one at the vendor)")
	return cmd
}

type connectOptions struct {
	follow bool
	port   int
	// httpClient talks to the vendor (authorize with --follow, token exchange).
	httpClient *http.Client
}

// connect authorizes one vendor for tenant t and hands the tokens to its connection.
func connect(ctx context.Context, c client.Client, t workers.Tenant, vendor string, opts connectOptions, out io.Writer) error {
	hc := opts.httpClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	cfg := t.Config
	name := displayVendor(vendor)
	if err := checkConnectApp(t, vendor); err != nil {
		return err
	}
	var oauth clients.OAuthConfig
	switch vendor {
	case workers.VendorFortnox:
		oauth = workers.FortnoxOAuth(cfg, hc)
		if cfg.Fortnox.TenantID != "" {
			if _, err := clients.NewRefreshingSource(oauth, clients.Token{}, nil).Mint(ctx); err != nil {
				return fmt.Errorf("the Fortnox service account (tenant id %s): %w", cfg.Fortnox.TenantID, err)
			}
			view, err := connections.Connect(ctx, c, t.Name, vendor, workflows.ConnectRequest{ServiceAccount: true})
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "Fortnox service account connected (%s, %s); no browser or refresh token needed\n",
				workflows.ConnectionWorkflowID(t.Name, vendor), view.Status)
			return nil
		}
	case workers.VendorLightspeed:
		oauth = workers.LightspeedOAuth(cfg, hc)
	default:
		return fmt.Errorf("unknown vendor %q: want fortnox or lightspeed", vendor)
	}

	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", opts.port))
	if err != nil {
		return fmt.Errorf("listen for the OAuth callback: %w", err)
	}
	redirect := fmt.Sprintf("http://%s/callback", ln.Addr())
	state, err := randomState()
	if err != nil {
		ln.Close()
		return err
	}
	// PKCE where the vendor documents it (Lightspeed): a stolen code is useless without the
	// verifier, which never leaves this process.
	var verifier string
	if vendor == workers.VendorLightspeed {
		if verifier, err = randomState(); err != nil {
			ln.Close()
			return err
		}
	}
	authorize := authorizeURL(t, vendor, redirect, state, verifier)

	done := make(chan error, 1)
	var view workflows.ConnectionView
	cb := &callback{state: state, done: done, exchange: func(ctx context.Context, code string) error {
		tok, err := clients.Exchange(ctx, oauth, code, redirect, verifier)
		if err != nil {
			return err
		}
		view, err = connections.Connect(ctx, c, t.Name, vendor, workflows.ConnectRequest{Token: tok})
		return err
	}}
	srv := &http.Server{Handler: cb, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer func() {
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()

	if opts.follow {
		if err := follow(ctx, hc, authorize); err != nil {
			// The callback answers only after it has reported, so its own error, which says
			// more than the status it answered with, is already there when it failed.
			select {
			case cbErr := <-done:
				if cbErr != nil {
					return fmt.Errorf("%s: %w", name, cbErr)
				}
			default:
			}
			return fmt.Errorf("%s authorize: %w", name, err)
		}
	} else {
		fmt.Fprintf(out, "Open this URL to connect %s (waiting up to %s):\n\n  %s\n\n", name, connectTimeout, authorize)
	}
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(connectTimeout):
		return fmt.Errorf("%s: no answer from the authorize page within %s", name, connectTimeout)
	}
	fmt.Fprintf(out, "%s connected (%s, %s); running workers use it now\n", name, workflows.ConnectionWorkflowID(t.Name, vendor), view.Status)
	return nil
}

// checkConnectApp names the variables of a vendor app the tenant has not configured.
func checkConnectApp(t workers.Tenant, vendor string) error {
	id, secret := t.Config.Fortnox.ClientID, t.Config.Fortnox.ClientSecret
	if vendor == workers.VendorLightspeed {
		id, secret = t.Config.Lightspeed.ClientID, t.Config.Lightspeed.ClientSecret
	}
	return usageError(workers.TenantError(t.Name, workers.CheckApp(vendor, id, secret)))
}

func displayVendor(vendor string) string {
	if vendor == workers.VendorLightspeed {
		return "Lightspeed"
	}
	return "Fortnox"
}

func randomState() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random OAuth state: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// authorizeURL is the vendor's consent page for this app and callback; verifier, when
// set, adds its S256 PKCE challenge.
func authorizeURL(t workers.Tenant, vendor, redirect, state, verifier string) string {
	q := url.Values{}
	q.Set("response_type", "code")
	q.Set("state", state)
	q.Set("redirect_uri", redirect)
	if verifier != "" {
		sum := sha256.Sum256([]byte(verifier))
		q.Set("code_challenge", base64.RawURLEncoding.EncodeToString(sum[:]))
		q.Set("code_challenge_method", "S256")
	}
	cfg := t.Config
	if vendor == workers.VendorFortnox {
		q.Set("client_id", cfg.Fortnox.ClientID)
		q.Set("scope", fortnoxScopes(t.Settings))
		q.Set("access_type", "offline")
		return strings.TrimRight(cfg.Fortnox.AuthURL, "/") + "/oauth-v1/auth?" + q.Encode()
	}
	q.Set("client_id", cfg.Lightspeed.ClientID)
	q.Set("scope", lightspeedScopes)
	return strings.TrimRight(cfg.Lightspeed.AuthURL, "/") + "/auth/oauth/authorize?" + q.Encode()
}

// follow opens the authorize URL as a browser would; the vendor redirects to the callback.
func follow(ctx context.Context, hc *http.Client, authorize string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authorize, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return nil
}

// callback receives the redirect from the consent page. A request with the wrong state is
// refused and the wait goes on: it was not started by this authorization.
type callback struct {
	state    string
	done     chan<- error
	exchange func(ctx context.Context, code string) error
}

func (cb *callback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/callback" {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(cb.state)) != 1 {
		http.Error(w, "fortspeed: the state does not match this authorization; start `starter connect` again", http.StatusBadRequest)
		return
	}
	if e := q.Get("error"); e != "" {
		http.Error(w, "fortspeed: authorization refused: "+e, http.StatusBadRequest)
		cb.finish(fmt.Errorf("authorization refused: %s %s", e, q.Get("error_description")))
		return
	}
	code := q.Get("code")
	if code == "" {
		http.Error(w, "fortspeed: the answer has no code", http.StatusBadRequest)
		cb.finish(errors.New("the authorize answer has no code"))
		return
	}
	if err := cb.exchange(r.Context(), code); err != nil {
		http.Error(w, "fortspeed: could not get the tokens; see the terminal", http.StatusBadGateway)
		cb.finish(fmt.Errorf("exchange the code for tokens: %w", err))
		return
	}
	fmt.Fprintln(w, "fortspeed is connected. You can close this window.")
	cb.finish(nil)
}

// finish reports the first outcome only; a repeated callback changes nothing.
func (cb *callback) finish(err error) {
	select {
	case cb.done <- err:
	default:
	}
}
