package codec

import (
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"strings"

	"go.temporal.io/sdk/converter"
)

// HandlerOptions configure the codec HTTP endpoint.
type HandlerOptions struct {
	// Origin is the one Web UI origin allowed by CORS, such as http://localhost:8233; a
	// request from any other origin is refused.
	Origin string
	// Hosts are the Host header values the server answers to (its own address and names),
	// so a page that rebinds a foreign name to this address is refused.
	Hosts []string
	// Token, when set, must arrive as "Authorization: Bearer <token>".
	Token string
	// UIWithoutToken lets requests from Origin through without the token: the Temporal Web
	// UI cannot send a bearer token of its own. Only for a loopback listener, where the
	// Host and Origin checks keep other pages out.
	UIWithoutToken bool
}

// NewHandler serves the codec at /encode and /decode for the Temporal Web UI and CLI, with
// CORS for the UI origin only, a Host check and bearer-token auth, so only the operator can
// read payloads.
func NewHandler(c converter.PayloadCodec, opts HandlerOptions) http.Handler {
	inner := converter.NewPayloadCodecHTTPHandler(c)
	origin := strings.TrimSuffix(opts.Origin, "/")
	hosts := make(map[string]bool, len(opts.Hosts))
	for _, h := range opts.Hosts {
		hosts[strings.ToLower(h)] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !hosts[strings.ToLower(r.Host)] {
			http.Error(w, "forbidden: unknown Host", http.StatusForbidden)
			return
		}
		reqOrigin := r.Header.Get("Origin")
		fromUI := reqOrigin != "" && reqOrigin == origin
		if reqOrigin != "" && !fromUI {
			http.Error(w, "forbidden: origin not allowed", http.StatusForbidden)
			return
		}
		if fromUI {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
			h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Authorization,Content-Type,X-Namespace")
			h.Add("Vary", "Origin")
		}
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if opts.Token != "" && !(fromUI && opts.UIWithoutToken) {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(opts.Token)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="fortspeed codec"`)
				http.Error(w, "unauthorized: send Authorization: Bearer <token>", http.StatusUnauthorized)
				return
			}
		}
		inner.ServeHTTP(w, r)
	})
}

// IsLoopback reports whether a listen address (host:port) stays on this machine.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ListenHosts are the Host values a server listening on addr answers to: addr itself, and
// on loopback also localhost and both loopback IPs. A wildcard address has no name of its
// own, so it needs explicit hosts.
func ListenHosts(addr string) ([]string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		return nil, fmt.Errorf("%s listens on every interface, so the Host it is reached by is not known", addr)
	}
	hosts := []string{net.JoinHostPort(host, port)}
	if IsLoopback(addr) {
		for _, alias := range []string{"localhost", "127.0.0.1", "::1"} {
			if h := net.JoinHostPort(alias, port); h != hosts[0] {
				hosts = append(hosts, h)
			}
		}
	}
	return hosts, nil
}
