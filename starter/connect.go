package main

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
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

	"fortspeed/clients"
	"fortspeed/internal/config"
	"fortspeed/internal/tokenfile"
	"fortspeed/internal/workers"
)

// Scopes asked for: what the flows read and write (invoice and payment: orders.on_pickup
// invoice makes and pays invoices).
const (
	fortnoxScopes    = "companyinformation article currency customer order invoice payment price settings"
	lightspeedScopes = "employee:all"
)

// connectTimeout bounds the wait for the browser's consent.
const connectTimeout = 10 * time.Minute

func newConnectCommand(out io.Writer) *cobra.Command {
	var follow bool
	var port int
	cmd := &cobra.Command{
		Use:   "connect fortnox|lightspeed",
		Short: "Authorize fortspeed at Fortnox or Lightspeed and store the tokens",
		Long: "connect runs the OAuth authorization-code flow: it prints the authorize URL, receives the\n" +
			"answer on a local callback (http://127.0.0.1:<port>/callback, state checked) and writes the\n" +
			"token file of the connection under FORTSPEED_STATE_DIR. --follow opens the URL itself,\n" +
			"which works against the sandboxes (they approve at once). A Fortnox service account\n" +
			"(FORTNOX_TENANT_ID set) needs no authorization: connect only checks its credentials.",
		Example: "  starter connect fortnox\n  starter connect lightspeed --port 8990",
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
			e, err := loadEnvironment()
			if err != nil {
				return err
			}
			return connect(cmd.Context(), e.cfg, e.env, args[0], connectOptions{follow: follow, port: port}, out)
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

// connect authorizes one vendor and writes the connection's token file.
func connect(ctx context.Context, cfg config.Config, env workers.Env, vendor string, opts connectOptions, out io.Writer) error {
	hc := opts.httpClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	var oauth clients.OAuthConfig
	switch vendor {
	case workers.VendorFortnox:
		if err := workers.CheckApp(vendor, cfg.Fortnox.ClientID, cfg.Fortnox.ClientSecret); err != nil {
			return usageError(err)
		}
		oauth = workers.FortnoxOAuth(cfg, hc)
		if cfg.Fortnox.TenantID != "" {
			if _, err := clients.NewRefreshingSource(oauth, clients.Token{}, nil).Token(ctx); err != nil {
				return fmt.Errorf("the Fortnox service account (FORTNOX_TENANT_ID %s): %w", cfg.Fortnox.TenantID, err)
			}
			fmt.Fprintln(out, "Fortnox: service account credentials work; no authorization or token file needed")
			return nil
		}
	case workers.VendorLightspeed:
		if err := workers.CheckApp(vendor, cfg.Lightspeed.ClientID, cfg.Lightspeed.ClientSecret); err != nil {
			return usageError(err)
		}
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
	authorize := authorizeURL(cfg, vendor, redirect, state)
	path := workers.TokenPath(env.StateDir, workers.Tenant, vendor)

	done := make(chan error, 1)
	cb := &callback{state: state, done: done, exchange: func(ctx context.Context, code string) error {
		tok, err := clients.Exchange(ctx, oauth, code, redirect)
		if err != nil {
			return err
		}
		return tokenfile.Save(path, tok)
	}}
	srv := &http.Server{Handler: cb, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer func() {
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()

	name := displayVendor(vendor)
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
	fmt.Fprintf(out, "%s connected; token saved to %s\n", name, path)
	return nil
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

// authorizeURL is the vendor's consent page for this app and callback.
func authorizeURL(cfg config.Config, vendor, redirect, state string) string {
	q := url.Values{}
	q.Set("response_type", "code")
	q.Set("state", state)
	q.Set("redirect_uri", redirect)
	if vendor == workers.VendorFortnox {
		q.Set("client_id", cfg.Fortnox.ClientID)
		q.Set("scope", fortnoxScopes)
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
