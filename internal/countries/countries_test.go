package countries

import (
	"encoding/json"
	"os"
	"testing"
)

func TestTable(t *testing.T) {
	if len(names) != 249 {
		t.Fatalf("%d codes, ISO 3166-1 has 249", len(names))
	}
	for code, want := range map[string]string{"AR": "Argentina", "se": "Sweden", "KR": "South Korea", "XX": ""} {
		if got := Name(code); got != want {
			t.Errorf("Name(%q) = %q, want %q", code, got, want)
		}
	}
	for name, want := range map[string]string{"argentina": "AR", "Korea, Republic of": "KR", "Czech Republic": "CZ", " Czechia ": "CZ", "Narnia": ""} {
		if got := Code(name); got != want {
			t.Errorf("Code(%q) = %q, want %q", name, got, want)
		}
	}
}

// The committed table is what gen.go makes of the iso-codes file, where that is installed.
func TestTableMatchesISOCodes(t *testing.T) {
	raw, err := os.ReadFile("/usr/share/iso-codes/json/iso_3166-1.json")
	if err != nil {
		t.Skip("iso-codes is not installed")
	}
	var file struct {
		Entries []struct {
			Alpha2     string `json:"alpha_2"`
			Name       string `json:"name"`
			CommonName string `json:"common_name"`
		} `json:"3166-1"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Entries) != len(names) {
		t.Errorf("iso-codes has %d codes, the table %d: run go generate ./internal/countries", len(file.Entries), len(names))
	}
	for _, e := range file.Entries {
		want := e.Name
		if e.CommonName != "" {
			want = e.CommonName
		}
		if names[e.Alpha2] != want {
			t.Errorf("%s: table %q, iso-codes %q: run go generate ./internal/countries", e.Alpha2, names[e.Alpha2], want)
		}
	}
}
