// Package temporalclient builds client.Options from the environment, so the worker and
// starter connect the same way to a dev server, a self-hosted cluster or Temporal Cloud
// (API key or mTLS), with the payload codec and the zap logger in place.
package temporalclient

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.uber.org/zap"

	"fortspeed/internal/config"
	"fortspeed/internal/logging"
)

// Options returns client options for cfg. logger and dc may be nil (SDK defaults).
func Options(cfg config.Config, logger *zap.Logger, dc converter.DataConverter) (client.Options, error) {
	t := cfg.Temporal
	opts := client.Options{
		HostPort:  t.Address,
		Namespace: t.Namespace,
	}
	if logger != nil {
		opts.Logger = logging.NewTemporalLogger(logger)
	}
	if dc != nil {
		opts.DataConverter = dc
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
