package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"fortspeed/internal/codec"
	"fortspeed/internal/config"
)

func newCodecServerCommand(out io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "codec-server",
		Short: "Serve the payload codec to the Temporal Web UI and CLI, so encrypted payloads read as text",
		Long: "codec-server decrypts payloads for the Temporal Web UI (set its codec endpoint to this\n" +
			"server) and `temporal --codec-endpoint URL --codec-auth \"Bearer $FORTSPEED_CODEC_TOKEN\"`.\n" +
			"It listens on FORTSPEED_CODEC_ADDR and answers only requests whose Host is that address\n" +
			"(or one of FORTSPEED_CODEC_HOSTS) and whose Origin, if any, is FORTSPEED_CODEC_ORIGIN.\n" +
			"Beyond loopback every request needs FORTSPEED_CODEC_TOKEN as a bearer token, so put an\n" +
			"authenticating proxy that adds it in front of the Web UI's calls. On loopback the token,\n" +
			"when set, is required from everyone but the Web UI, which cannot send one. The keys are\n" +
			"FORTSPEED_ENCRYPTION_KEYS.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load()
			if err != nil {
				return err
			}
			if len(cfg.Fortspeed.EncryptionKeys) == 0 {
				return errors.New("FORTSPEED_ENCRYPTION_KEYS: no keys, so there is nothing to decode")
			}
			if !codec.IsLoopback(cfg.Fortspeed.CodecAddr) && cfg.Fortspeed.CodecToken == "" {
				return fmt.Errorf("FORTSPEED_CODEC_TOKEN: required, FORTSPEED_CODEC_ADDR=%s listens beyond loopback", cfg.Fortspeed.CodecAddr)
			}
			ln, err := net.Listen("tcp", cfg.Fortspeed.CodecAddr)
			if err != nil {
				return fmt.Errorf("FORTSPEED_CODEC_ADDR: %w", err)
			}
			opts, err := codecOptions(cfg.Fortspeed, ln.Addr().String())
			if err != nil {
				ln.Close()
				return err
			}
			fmt.Fprintf(out, "codec server on http://%s for the Web UI at %s\n", ln.Addr(), cfg.Fortspeed.CodecOrigin)
			return serveCodec(cmd.Context(), ln, cfg.Fortspeed.EncryptionKeys, opts)
		},
	}
}

// codecOptions are the codec endpoint's checks for a server listening on addr.
func codecOptions(f config.Fortspeed, addr string) (codec.HandlerOptions, error) {
	hosts := f.CodecHosts
	if len(hosts) == 0 {
		var err error
		if hosts, err = codec.ListenHosts(addr); err != nil {
			return codec.HandlerOptions{}, fmt.Errorf("FORTSPEED_CODEC_HOSTS: not set and %w", err)
		}
	}
	return codec.HandlerOptions{Origin: f.CodecOrigin, Hosts: hosts, Token: f.CodecToken,
		UIWithoutToken: codec.IsLoopback(addr)}, nil
}

// serveCodec serves the codec on ln until ctx ends.
func serveCodec(ctx context.Context, ln net.Listener, keys []codec.Key, opts codec.HandlerOptions) error {
	c, err := codec.New(keys)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: codec.NewHandler(c, opts), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(shutdown)
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("codec server: %w", err)
	}
}
