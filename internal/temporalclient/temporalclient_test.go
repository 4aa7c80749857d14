package temporalclient

import (
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
	"go.uber.org/zap"

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
	return c
}

func TestPlainDevServer(t *testing.T) {
	dc := converter.GetDefaultDataConverter()
	opts, err := Options(baseConfig(), zap.NewNop(), dc)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:7233", opts.HostPort)
	assert.Equal(t, "default", opts.Namespace)
	assert.Nil(t, opts.ConnectionOptions.TLS)
	assert.Nil(t, opts.Credentials)
	assert.NotNil(t, opts.Logger)
	assert.Same(t, dc, opts.DataConverter)
}

func TestNilLoggerAndConverterKeepSDKDefaults(t *testing.T) {
	opts, err := Options(baseConfig(), nil, nil)
	require.NoError(t, err)
	assert.Nil(t, opts.Logger)
	assert.Nil(t, opts.DataConverter)
}

func TestAPIKey(t *testing.T) {
	c := baseConfig()
	c.Temporal.Address = "eu-west-1.aws.api.temporal.io:7233"
	c.Temporal.Namespace = "fortspeed.a1b2c"
	c.Temporal.APIKey = "key"
	opts, err := Options(c, nil, nil)
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
	opts, err := Options(c, nil, nil)
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
	opts, err := Options(c, nil, nil)
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
			_, err := Options(c, nil, nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
