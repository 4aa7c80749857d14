package fortnox

import "testing"

func TestTextRuleOfFortnox(t *testing.T) {
	if _, bad := RefusedRune("Åsa Öberg, Storgatan 12 B – 50% (rea) @ 99,50 €"); bad {
		t.Fatal("Swedish letters and the documented punctuation are allowed")
	}
	if r, bad := RefusedRune("O'Brien"); !bad || r != '\'' {
		t.Fatalf("an apostrophe is refused, got %q %v", r, bad)
	}
	if got := CleanText("O'Brien\t<AB>"); got != "OBrien AB" {
		t.Fatalf("clean: %q", got)
	}
}
