package tokenfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fortspeed/clients"
)

func TestSaveLoadRoundTripPrivately(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "lightspeed.json")
	if Exists(path) {
		t.Fatal("no file yet")
	}
	if _, err := Load(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: want ErrNotExist, got %v", err)
	}
	want := clients.Token{AccessToken: "a", RefreshToken: "r", Expiry: time.Unix(1700000000, 0).UTC()}
	if err := Saver(path)(t.Context(), want); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil || got.AccessToken != want.AccessToken || got.RefreshToken != want.RefreshToken || !got.Expiry.Equal(want.Expiry) {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("token file must be private, mode %v", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("no temporary files may be left behind: %v", entries)
	}
}

func TestLoadRejectsGarbage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.json")
	os.WriteFile(path, []byte("{}"), 0o600)
	if _, err := Load(path); err == nil {
		t.Fatal("an empty pair must be an error")
	}
	os.WriteFile(path, []byte("not json"), 0o600)
	if _, err := Load(path); err == nil {
		t.Fatal("garbage must be an error")
	}
}
