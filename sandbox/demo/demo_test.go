package demo

import (
	"testing"
)

func TestDemoIsBelievableAndConsistent(t *testing.T) {
	cat := Demo()
	if len(cat.Articles) < 200 {
		t.Fatalf("want at least 200 articles, got %d", len(cat.Articles))
	}
	families := map[string]int{}
	skus := map[string]bool{}
	eans := map[string]bool{}
	for _, a := range cat.Articles {
		if skus[a.Number] {
			t.Fatalf("duplicate SKU %s", a.Number)
		}
		skus[a.Number] = true
		if eans[a.EAN] || len(a.EAN) != 13 {
			t.Fatalf("bad or duplicate EAN %q on %s", a.EAN, a.Number)
		}
		eans[a.EAN] = true
		if a.Family != "" {
			families[a.Family]++
		}
		if !a.Price.IsPositive() || a.Description == "" || a.Category == "" {
			t.Fatalf("incomplete article %+v", a)
		}
	}
	multi := 0
	for _, n := range families {
		if n > 1 {
			multi++
		}
	}
	if multi < 20 {
		t.Fatalf("want at least 20 variant families, got %d", multi)
	}
	if len(cat.Customers) != 50 {
		t.Fatalf("want 50 customers, got %d", len(cat.Customers))
	}
	companies, emails := 0, map[string]bool{}
	for _, c := range cat.Customers {
		if c.Company != "" {
			companies++
		}
		if emails[c.Email] {
			t.Fatalf("duplicate e-mail %s", c.Email)
		}
		emails[c.Email] = true
	}
	if companies == 0 || companies == len(cat.Customers) {
		t.Fatalf("want a mix of companies and persons, got %d companies", companies)
	}
}

func TestGenerateIsDeterministicAndSized(t *testing.T) {
	a, b := Generate(1000, 80, 10, 7), Generate(1000, 80, 10, 7)
	if len(a.Articles) != 1000 {
		t.Fatalf("want 1000 articles, got %d", len(a.Articles))
	}
	for i := range a.Articles {
		if a.Articles[i].Number != b.Articles[i].Number || a.Articles[i].EAN != b.Articles[i].EAN {
			t.Fatalf("article %d differs between runs", i)
		}
	}
	seen := map[string]bool{}
	for _, art := range a.Articles {
		if seen[art.Number] {
			t.Fatalf("duplicate SKU %s in a large catalogue", art.Number)
		}
		seen[art.Number] = true
	}
}
