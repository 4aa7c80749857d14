// Package tokenfile keeps a connection's OAuth token pair in a file that only the owner can
// read, so a restarted worker continues the rotated refresh-token chain instead of needing
// a new authorization. Writes are atomic: a crash never leaves half a token behind.
package tokenfile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"fortspeed/clients"
)

// Load reads the pair stored at path. A missing file is reported as os.ErrNotExist.
func Load(path string) (clients.Token, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return clients.Token{}, fmt.Errorf("read token file: %w", err)
	}
	var tok clients.Token
	if err := json.Unmarshal(b, &tok); err != nil {
		return clients.Token{}, fmt.Errorf("token file %s is not a token pair: %w", path, err)
	}
	if tok.AccessToken == "" && tok.RefreshToken == "" {
		return clients.Token{}, fmt.Errorf("token file %s holds no token", path)
	}
	return tok, nil
}

// Save writes tok to path with mode 0600 by writing a temporary file and renaming it.
func Save(path string, tok clients.Token) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("token file directory: %w", err)
	}
	b, err := json.Marshal(tok)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".token-*")
	if err != nil {
		return fmt.Errorf("token file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("token file: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("write token file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write token file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write token file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("replace token file: %w", err)
	}
	return nil
}

// Saver returns the save callback of clients.NewRefreshingSource for path.
func Saver(path string) func(context.Context, clients.Token) error {
	return func(_ context.Context, tok clients.Token) error { return Save(path, tok) }
}

// Exists reports whether path holds a token file.
func Exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, os.ErrNotExist)
}
