package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"

	"fortspeed/internal/codec"
	"fortspeed/internal/config"
)

const (
	testCodecKeys  = "k1:MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE="
	testCodecToken = "codec-token-for-tests"
	testUIOrigin   = "http://localhost:8233"
)

// startCodecServer serves the codec on a loopback port with a token, as `make run` does.
func startCodecServer(t *testing.T) (addr string, sealed []*commonpb.Payload) {
	t.Helper()
	keys, err := codec.ParseKeys(testCodecKeys)
	require.NoError(t, err)
	c, err := codec.New(keys)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	opts, err := codecOptions(config.Fortspeed{CodecOrigin: testUIOrigin, CodecToken: testCodecToken}, ln.Addr().String())
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveCodec(ctx, ln, keys, opts) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
		_, err := http.Get("http://" + ln.Addr().String() + "/decode")
		require.Error(t, err, "the server stops with its context")
	})
	plain, err := converter.GetDefaultDataConverter().ToPayload("commit: created Fortnox order 7")
	require.NoError(t, err)
	sealed, err = c.Encode([]*commonpb.Payload{plain})
	require.NoError(t, err)
	return ln.Addr().String(), sealed
}

func TestCodecServerDecodesForTheCLIWithItsToken(t *testing.T) {
	addr, sealed := startCodecServer(t)
	remote := converter.NewRemotePayloadCodec(converter.RemotePayloadCodecOptions{
		Endpoint: "http://" + addr,
		ModifyRequest: func(r *http.Request) error {
			r.Header.Set("Authorization", "Bearer "+testCodecToken)
			return nil
		},
	})
	opened, err := remote.Decode(sealed)
	require.NoError(t, err)
	var text string
	require.NoError(t, converter.GetDefaultDataConverter().FromPayload(opened[0], &text))
	require.Equal(t, "commit: created Fortnox order 7", text)

	_, err = converter.NewRemotePayloadCodec(converter.RemotePayloadCodecOptions{Endpoint: "http://" + addr}).Decode(sealed)
	require.ErrorContains(t, err, "Unauthorized", "no token, no plaintext")
}

// codecRequest sends one request to the codec server with the given headers.
func codecRequest(t *testing.T, method, addr, host string, header map[string]string) *http.Response {
	t.Helper()
	body := bytes.NewBufferString(`{"payloads":[]}`)
	req, err := http.NewRequest(method, "http://"+addr+"/decode", body)
	require.NoError(t, err)
	req.Host = host
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp
}

func TestCodecServerRefusesForeignHostsOriginsAndMissingTokens(t *testing.T) {
	addr, _ := startCodecServer(t)
	_, port, _ := net.SplitHostPort(addr)
	bearer := "Bearer " + testCodecToken
	cases := []struct {
		name, method, host string
		header             map[string]string
		status             int
		allowOrigin        string
	}{
		{"CLI with token", http.MethodPost, addr, map[string]string{"Authorization": bearer}, http.StatusOK, ""},
		{"CLI by localhost", http.MethodPost, "localhost:" + port, map[string]string{"Authorization": bearer}, http.StatusOK, ""},
		{"CLI without token", http.MethodPost, addr, nil, http.StatusUnauthorized, ""},
		{"wrong token", http.MethodPost, addr, map[string]string{"Authorization": "Bearer nope"}, http.StatusUnauthorized, ""},
		{"foreign Host (DNS rebinding)", http.MethodPost, "evil.example:" + port, map[string]string{"Authorization": bearer}, http.StatusForbidden, ""},
		{"UI preflight", http.MethodOptions, addr, map[string]string{"Origin": testUIOrigin, "Access-Control-Request-Method": "POST"}, http.StatusNoContent, testUIOrigin},
		{"UI decode on loopback, no token", http.MethodPost, addr, map[string]string{"Origin": testUIOrigin}, http.StatusOK, testUIOrigin},
		{"preflight from another origin", http.MethodOptions, addr, map[string]string{"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"}, http.StatusForbidden, ""},
		{"decode from another origin", http.MethodPost, addr, map[string]string{"Origin": "http://evil.example", "Authorization": bearer}, http.StatusForbidden, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := codecRequest(t, tc.method, addr, tc.host, tc.header)
			assert.Equal(t, tc.status, resp.StatusCode)
			assert.Equal(t, tc.allowOrigin, resp.Header.Get("Access-Control-Allow-Origin"))
		})
	}
}

func TestCodecServerNeedsATokenBeyondLoopback(t *testing.T) {
	t.Setenv("FORTSPEED_ENCRYPTION_KEYS", testCodecKeys)
	t.Setenv("FORTSPEED_CODEC_ADDR", "0.0.0.0:0")
	t.Setenv("FORTSPEED_CODEC_TOKEN", "")
	_, err := starter(context.Background(), "codec-server")
	require.EqualError(t, err, "FORTSPEED_CODEC_TOKEN: required, FORTSPEED_CODEC_ADDR=0.0.0.0:0 listens beyond loopback")

	_, err = codecOptions(config.Fortspeed{CodecToken: "t"}, "0.0.0.0:8083")
	require.ErrorContains(t, err, "FORTSPEED_CODEC_HOSTS: not set and 0.0.0.0:8083 listens on every interface")
	opts, err := codecOptions(config.Fortspeed{CodecToken: "t", CodecHosts: []string{"codec.shop.example"}}, "0.0.0.0:8083")
	require.NoError(t, err)
	assert.Equal(t, []string{"codec.shop.example"}, opts.Hosts)
	assert.False(t, opts.UIWithoutToken, "beyond loopback the Web UI needs the token too")
}
