package codec

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"go.temporal.io/sdk/converter"
)

// HandlerOptions configure the codec HTTP endpoint.
type HandlerOptions struct {
	// Origin is the Web UI origin allowed by CORS, such as http://localhost:8233.
	Origin string
	// Token, when set, must arrive as "Authorization: Bearer <token>". Leave it empty only
	// on a loopback-bound development server.
	Token string
}

// NewHandler serves the codec at /encode and /decode for the Temporal Web UI and CLI, with
// CORS for the UI origin and bearer-token auth, so only the operator can read payloads.
func NewHandler(c converter.PayloadCodec, opts HandlerOptions) http.Handler {
	inner := converter.NewPayloadCodecHTTPHandler(c)
	origin := strings.TrimSuffix(opts.Origin, "/")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin != "" && r.Header.Get("Origin") == origin {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
			h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Authorization,Content-Type,X-Namespace")
			h.Add("Vary", "Origin")
		}
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusOK)
			return
		}
		if opts.Token != "" {
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
