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
			"server) and `temporal --codec-endpoint`. It listens on FORTSPEED_CODEC_ADDR, allows the UI\n" +
			"origin FORTSPEED_CODEC_ORIGIN and, when FORTSPEED_CODEC_TOKEN is set, only requests that\n" +
			"carry it as a bearer token. The keys are FORTSPEED_ENCRYPTION_KEYS.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.Load()
			if err != nil {
				return err
			}
			if len(cfg.Fortspeed.EncryptionKeys) == 0 {
				return errors.New("FORTSPEED_ENCRYPTION_KEYS: no keys, so there is nothing to decode")
			}
			ln, err := net.Listen("tcp", cfg.Fortspeed.CodecAddr)
			if err != nil {
				return fmt.Errorf("FORTSPEED_CODEC_ADDR: %w", err)
			}
			fmt.Fprintf(out, "codec server on http://%s for the Web UI at %s\n", ln.Addr(), cfg.Fortspeed.CodecOrigin)
			return serveCodec(cmd.Context(), ln, cfg.Fortspeed.EncryptionKeys, codec.HandlerOptions{
				Origin: cfg.Fortspeed.CodecOrigin, Token: cfg.Fortspeed.CodecToken})
		},
	}
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
