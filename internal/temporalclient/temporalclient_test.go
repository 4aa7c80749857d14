package temporalclient

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.uber.org/zap"

	"fortspeed/internal/codec"
	"fortspeed/internal/config"
)

// writeCert writes a self-signed certificate and its key as PEM files.
func writeCert(t *testing.T) (certPath, keyPath string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "fortspeed-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	dir := t.TempDir()
	certPath, keyPath = filepath.Join(dir, "client.pem"), filepath.Join(dir, "client.key")
	require.NoError(t, os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))
	return certPath, keyPath
}

func baseConfig() config.Config {
	var c config.Config
	c.Temporal.Address = "127.0.0.1:7233"
	c.Temporal.Namespace = "default"
	c.Fortspeed.EncryptionKeys = config.EncryptionKeys{{ID: "k1", Secret: bytes.Repeat([]byte{1}, 32)}}
	return c
}

func TestPlainDevServer(t *testing.T) {
	opts, err := Options(baseConfig(), zap.NewNop())
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:7233", opts.HostPort)
	assert.Equal(t, "default", opts.Namespace)
	assert.Nil(t, opts.ConnectionOptions.TLS)
	assert.Nil(t, opts.Credentials)
	assert.NotNil(t, opts.Logger)
	assert.NotNil(t, opts.DataConverter)
}

func TestNilLoggerKeepsSDKDefault(t *testing.T) {
	opts, err := Options(baseConfig(), nil)
	require.NoError(t, err)
	assert.Nil(t, opts.Logger)
}

func TestNoKeysRefusedUnlessPlaintextAllowed(t *testing.T) {
	c := baseConfig()
	c.Fortspeed.EncryptionKeys = nil
	_, err := Options(c, nil)
	require.EqualError(t, err, NoKeysMessage)
	assert.NotContains(t, err.Error(), "\n", "one line")

	c.Fortspeed.AllowPlaintext = true
	opts, err := Options(c, nil)
	require.NoError(t, err)
	p, err := opts.DataConverter.ToPayload("Anna Andersson")
	require.NoError(t, err)
	assert.Contains(t, string(p.GetData()), "Anna Andersson", "plaintext, as explicitly allowed")
}

// TestFailuresAreEncrypted: an activity failure's message and stack trace leave the process
// only inside an encrypted payload, and read back as they were.
func TestFailuresAreEncrypted(t *testing.T) {
	opts, err := Options(baseConfig(), nil)
	require.NoError(t, err)
	msg := "fortnox: find customer: Transient: no response: GET /3/customers?email=anna@example.se"
	f := opts.FailureConverter.ErrorToFailure(temporal.NewApplicationError(msg, "Transient"))
	assert.Equal(t, "Encoded failure", f.GetMessage())
	assert.Empty(t, f.GetStackTrace())
	raw, err := f.Marshal()
	require.NoError(t, err)
	assert.NotContains(t, string(raw), "anna@example.se")
	assert.Equal(t, codec.MetadataEncoding, string(f.GetEncodedAttributes().GetMetadata()[converter.MetadataEncoding]))

	back := opts.FailureConverter.FailureToError(f)
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, back, &appErr)
	assert.Equal(t, msg, appErr.Message())
	assert.Equal(t, "Transient", appErr.Type())
}

func TestAPIKey(t *testing.T) {
	c := baseConfig()
	c.Temporal.Address = "eu-west-1.aws.api.temporal.io:7233"
	c.Temporal.Namespace = "fortspeed.a1b2c"
	c.Temporal.APIKey = "key"
	opts, err := Options(c, nil)
	require.NoError(t, err)
	assert.NotNil(t, opts.Credentials)
	require.NotNil(t, opts.ConnectionOptions.TLS, "an API key needs TLS")
	assert.Empty(t, opts.ConnectionOptions.TLS.Certificates)
}

func TestMTLS(t *testing.T) {
	certPath, keyPath := writeCert(t)
	c := baseConfig()
	c.Temporal.TLSClientCertPath = certPath
	c.Temporal.TLSClientKeyPath = keyPath
	c.Temporal.TLSServerCACertPath = certPath
	c.Temporal.TLSServerName = "fortspeed.a1b2c.tmprl.cloud"
	opts, err := Options(c, nil)
	require.NoError(t, err)
	tlsConf := opts.ConnectionOptions.TLS
	require.NotNil(t, tlsConf)
	assert.Len(t, tlsConf.Certificates, 1)
	assert.NotNil(t, tlsConf.RootCAs)
	assert.Equal(t, "fortspeed.a1b2c.tmprl.cloud", tlsConf.ServerName)
	assert.Nil(t, opts.Credentials)
}

func TestTLSWithoutClientCert(t *testing.T) {
	c := baseConfig()
	c.Temporal.TLS = true
	opts, err := Options(c, nil)
	require.NoError(t, err)
	require.NotNil(t, opts.ConnectionOptions.TLS)
	assert.Empty(t, opts.ConnectionOptions.TLS.Certificates)
}

func TestBadFiles(t *testing.T) {
	certPath, keyPath := writeCert(t)
	missing := filepath.Join(t.TempDir(), "missing.pem")
	garbage := filepath.Join(t.TempDir(), "garbage.pem")
	require.NoError(t, os.WriteFile(garbage, []byte("not pem"), 0o600))

	tests := []struct {
		name          string
		cert, key, ca string
		want          string
	}{
		{"missing cert", missing, keyPath, "", "TEMPORAL_TLS_CLIENT_CERT_PATH=" + missing},
		{"key is not a key", certPath, garbage, "", "load client certificate"},
		{"missing key path", certPath, "", "", "set both or neither"},
		{"missing ca", "", "", missing, "TEMPORAL_TLS_SERVER_CA_CERT_PATH: open " + missing},
		{"ca without pem", "", "", garbage, "TEMPORAL_TLS_SERVER_CA_CERT_PATH=" + garbage + ": no PEM certificate in the file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := baseConfig()
			c.Temporal.TLSClientCertPath, c.Temporal.TLSClientKeyPath, c.Temporal.TLSServerCACertPath = tt.cert, tt.key, tt.ca
			_, err := Options(c, nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
