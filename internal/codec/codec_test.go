package codec

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
)

func testKey(id string, fill byte) Key {
	return Key{ID: id, Secret: bytes.Repeat([]byte{fill}, 32)}
}

func TestParseKeys(t *testing.T) {
	k1 := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))
	k2 := base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{2}, 32))
	keys, err := ParseKeys("k1:" + k1 + ", k2:" + k2)
	require.NoError(t, err)
	require.Len(t, keys, 2)
	assert.Equal(t, "k1", keys[0].ID)
	assert.Equal(t, bytes.Repeat([]byte{2}, 32), keys[1].Secret)

	short := base64.StdEncoding.EncodeToString(make([]byte, 16))
	tests := map[string]string{
		"k1:" + short:            `key "k1" is 16 bytes, want 32`,
		"k1:not base64!":         `key "k1" is not base64`,
		k1:                       `want id:base64key`,
		":" + k1:                 `want id:base64key`,
		"k1:" + k1 + ",k1:" + k1: `key id "k1" appears twice`,
		"":                       `no keys`,
	}
	for in, want := range tests {
		_, err := ParseKeys(in)
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), want)
		assert.NotContains(t, err.Error(), k1, "errors never echo key material")
	}
}

func TestRoundTripThroughDataConverter(t *testing.T) {
	dc, err := DataConverter([]Key{testKey("k1", 1)})
	require.NoError(t, err)

	p, err := dc.ToPayload(map[string]string{"email": "anna@example.se"})
	require.NoError(t, err)
	assert.Equal(t, MetadataEncoding, string(p.Metadata[converter.MetadataEncoding]))
	assert.Equal(t, "k1", string(p.Metadata[MetadataKeyID]))
	assert.NotContains(t, string(p.Data), "anna@example.se")

	var out map[string]string
	require.NoError(t, dc.FromPayload(p, &out))
	assert.Equal(t, "anna@example.se", out["email"])
}

func TestRotation(t *testing.T) {
	old, err := New([]Key{testKey("k1", 1)})
	require.NoError(t, err)
	plain := &commonpb.Payload{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`"secret"`)}
	encOld, err := old.Encode([]*commonpb.Payload{plain})
	require.NoError(t, err)

	rotated, err := New([]Key{testKey("k2", 2), testKey("k1", 1)})
	require.NoError(t, err)
	dec, err := rotated.Decode(encOld)
	require.NoError(t, err, "old payloads still decrypt after rotation")
	assert.Equal(t, `"secret"`, string(dec[0].Data))
	assert.Equal(t, "json/plain", string(dec[0].Metadata["encoding"]))

	encNew, err := rotated.Encode([]*commonpb.Payload{plain})
	require.NoError(t, err)
	assert.Equal(t, "k2", string(encNew[0].Metadata[MetadataKeyID]), "the first key encrypts")

	onlyNew, err := New([]Key{testKey("k2", 2)})
	require.NoError(t, err)
	_, err = onlyNew.Decode(encOld)
	require.EqualError(t, err, `decode payload: unknown encryption key id "k1" (known: k2); add the key to FORTSPEED_ENCRYPTION_KEYS`)
}

func TestDecodeRejectsTamperingAndPassesPlainPayloads(t *testing.T) {
	c, err := New([]Key{testKey("k1", 1)})
	require.NoError(t, err)
	plain := &commonpb.Payload{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`1`)}

	out, err := c.Decode([]*commonpb.Payload{plain})
	require.NoError(t, err)
	assert.Same(t, plain, out[0])

	enc, err := c.Encode([]*commonpb.Payload{plain})
	require.NoError(t, err)
	enc[0].Data[len(enc[0].Data)-1] ^= 0xff
	_, err = c.Decode(enc)
	require.ErrorContains(t, err, "authentication failed")

	enc[0].Data = enc[0].Data[:3]
	_, err = c.Decode(enc)
	require.ErrorContains(t, err, "too short")

	other, err := New([]Key{testKey("k1", 9)})
	require.NoError(t, err)
	enc, err = c.Encode([]*commonpb.Payload{plain})
	require.NoError(t, err)
	_, err = other.Decode(enc)
	require.ErrorContains(t, err, `decode payload with key "k1": authentication failed`)
}

func TestNewRejectsBadKeys(t *testing.T) {
	_, err := New(nil)
	require.Error(t, err)
	_, err = New([]Key{{ID: "k1", Secret: []byte("short")}})
	require.EqualError(t, err, `new codec: key "k1" is 5 bytes, want 32`)
}

// TestHandler is the endpoint as it runs beyond loopback (behind a proxy that adds the
// token): every request needs the token, the UI's too; starter's tests cover loopback.
func TestHandler(t *testing.T) {
	c, err := New([]Key{testKey("k1", 1)})
	require.NoError(t, err)
	srv := httptest.NewUnstartedServer(nil)
	srv.Config.Handler = NewHandler(c, HandlerOptions{Origin: "http://localhost:8233/", Token: "s3cret",
		Hosts: []string{srv.Listener.Addr().String()}})
	srv.Start()
	defer srv.Close()

	send := func(method string, header map[string]string) *http.Response {
		req, _ := http.NewRequest(method, srv.URL+"/decode", strings.NewReader(`{"payloads":[]}`))
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	ui := "http://localhost:8233"
	resp := send(http.MethodOptions, map[string]string{"Origin": ui})
	assert.Equal(t, http.StatusNoContent, resp.StatusCode)
	assert.Equal(t, ui, resp.Header.Get("Access-Control-Allow-Origin"))
	assert.Equal(t, "Authorization,Content-Type,X-Namespace", resp.Header.Get("Access-Control-Allow-Headers"))

	resp = send(http.MethodOptions, map[string]string{"Origin": "http://evil.example"})
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))

	assert.Equal(t, http.StatusUnauthorized, send(http.MethodPost, map[string]string{"Origin": ui}).StatusCode)
	assert.Equal(t, http.StatusOK, send(http.MethodPost, map[string]string{"Origin": ui, "Authorization": "Bearer s3cret"}).StatusCode)

	plain := []*commonpb.Payload{{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`"x"`)}}
	remote := converter.NewRemotePayloadCodec(converter.RemotePayloadCodecOptions{Endpoint: srv.URL,
		ModifyRequest: func(r *http.Request) error { r.Header.Set("Authorization", "Bearer s3cret"); return nil }})
	enc, err := remote.Encode(plain)
	require.NoError(t, err)
	assert.Equal(t, MetadataEncoding, string(enc[0].Metadata["encoding"]))
	dec, err := remote.Decode(enc)
	require.NoError(t, err)
	assert.Equal(t, `"x"`, string(dec[0].Data))
}

func TestListenHosts(t *testing.T) {
	hosts, err := ListenHosts("127.0.0.1:8083")
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"127.0.0.1:8083", "localhost:8083", "[::1]:8083"}, hosts)
	hosts, err = ListenHosts("10.0.0.5:8083")
	require.NoError(t, err)
	assert.Equal(t, []string{"10.0.0.5:8083"}, hosts)
	_, err = ListenHosts(":8083")
	require.Error(t, err)
	assert.True(t, IsLoopback("localhost:1"))
	assert.False(t, IsLoopback("0.0.0.0:1"))
}
