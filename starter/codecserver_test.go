package main

import (
	"context"
	"net"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"

	"fortspeed/internal/codec"
)

func TestCodecServerDecodesForTheWebUI(t *testing.T) {
	keys, err := codec.ParseKeys("k1:MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=")
	require.NoError(t, err)
	c, err := codec.New(keys)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveCodec(ctx, ln, keys, codec.HandlerOptions{Origin: "http://localhost:8233"}) }()

	plain, err := converter.GetDefaultDataConverter().ToPayload("commit: created Fortnox order 7")
	require.NoError(t, err)
	sealed, err := c.Encode([]*commonpb.Payload{plain})
	require.NoError(t, err)
	remote := converter.NewRemotePayloadCodec(converter.RemotePayloadCodecOptions{Endpoint: "http://" + ln.Addr().String()})
	opened, err := remote.Decode(sealed)
	require.NoError(t, err)
	var text string
	require.NoError(t, converter.GetDefaultDataConverter().FromPayload(opened[0], &text))
	require.Equal(t, "commit: created Fortnox order 7", text)

	req, _ := http.NewRequest(http.MethodOptions, "http://"+ln.Addr().String()+"/decode", nil)
	req.Header.Set("Origin", "http://localhost:8233")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, "http://localhost:8233", resp.Header.Get("Access-Control-Allow-Origin"))

	cancel()
	require.NoError(t, <-done)
	_, err = http.Get("http://" + ln.Addr().String() + "/decode")
	require.Error(t, err, "the server stops with its context")
}
