// Package temporalclient builds client.Options from the environment, so the worker and
// starter connect the same way to a dev server, a self-hosted cluster or Temporal Cloud
// (API key or mTLS), with the payload codec, the failure converter and the zap logger in
// place.
package temporalclient

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.uber.org/zap"

	"fortspeed/internal/codec"
	"fortspeed/internal/config"
	"fortspeed/internal/logging"
)

// NoKeysMessage is the one line a process without payload keys stops with.
const NoKeysMessage = "FORTSPEED_ENCRYPTION_KEYS: not set, so customer data would reach Temporal unencrypted; " +
	`make a key with: echo "k1:$(openssl rand -base64 32)" (or set FORTSPEED_ALLOW_PLAINTEXT=true for development)`

// DataConverter is the payload converter of every fortspeed process: AES-256-GCM with the
// configured keys, or the SDK default when plaintext is explicitly allowed.
func DataConverter(f config.Fortspeed) (converter.DataConverter, error) {
	if len(f.EncryptionKeys) == 0 {
		if f.AllowPlaintext {
			return converter.GetDefaultDataConverter(), nil
		}
		return nil, errors.New(NoKeysMessage)
	}
	dc, err := codec.DataConverter(f.EncryptionKeys)
	if err != nil {
		return nil, fmt.Errorf("FORTSPEED_ENCRYPTION_KEYS: %w", err)
	}
	return dc, nil
}

// FailureConverter moves failure messages and stack traces into an encoded payload, so a
// vendor's error text goes through the codec like every other payload.
func FailureConverter(dc converter.DataConverter) converter.FailureConverter {
	return temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
		DataConverter: dc, EncodeCommonAttributes: true,
	})
}

// Options returns client options for cfg with its converters; logger may be nil (the
// SDK's).
func Options(cfg config.Config, logger *zap.Logger) (client.Options, error) {
	dc, err := DataConverter(cfg.Fortspeed)
	if err != nil {
		return client.Options{}, err
	}
	t := cfg.Temporal
	opts := client.Options{
		HostPort:         t.Address,
		Namespace:        t.Namespace,
		DataConverter:    dc,
		FailureConverter: FailureConverter(dc),
	}
	if logger != nil {
		opts.Logger = logging.NewTemporalLogger(logger)
	}
	tlsConfig, err := tlsConfig(t)
	if err != nil {
		return client.Options{}, err
	}
	opts.ConnectionOptions.TLS = tlsConfig
	if t.APIKey != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(t.APIKey)
	}
	return opts, nil
}

// tlsConfig returns nil for a plain connection (the dev server), else the TLS settings:
// an API key implies TLS, client certificate files give mTLS.
func tlsConfig(t config.Temporal) (*tls.Config, error) {
	mtls := t.TLSClientCertPath != "" || t.TLSClientKeyPath != ""
	if !t.TLS && t.APIKey == "" && !mtls && t.TLSServerCACertPath == "" && t.TLSServerName == "" {
		return nil, nil
	}
	c := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         t.TLSServerName,
		InsecureSkipVerify: t.TLSDisableHostVerification, //nolint:gosec // explicit operator choice
	}
	if mtls {
		if t.TLSClientCertPath == "" || t.TLSClientKeyPath == "" {
			return nil, fmt.Errorf("TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH: set both or neither")
		}
		cert, err := tls.LoadX509KeyPair(t.TLSClientCertPath, t.TLSClientKeyPath)
		if err != nil {
			return nil, fmt.Errorf("TEMPORAL_TLS_CLIENT_CERT_PATH=%s, TEMPORAL_TLS_CLIENT_KEY_PATH=%s: load client certificate: %w", t.TLSClientCertPath, t.TLSClientKeyPath, err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	if t.TLSServerCACertPath != "" {
		pem, err := os.ReadFile(t.TLSServerCACertPath)
		if err != nil {
			return nil, fmt.Errorf("TEMPORAL_TLS_SERVER_CA_CERT_PATH: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("TEMPORAL_TLS_SERVER_CA_CERT_PATH=%s: no PEM certificate in the file", t.TLSServerCACertPath)
		}
		c.RootCAs = pool
	}
	return c, nil
}
