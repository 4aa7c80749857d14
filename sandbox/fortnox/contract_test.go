package fortnox

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// specDoc is the part of the OpenAPI document the contract test reads.
type specDoc struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]specSchema `json:"schemas"`
	} `json:"components"`
}

type specSchema struct {
	Type       string                `json:"type"`
	Ref        string                `json:"$ref"`
	MaxLength  int                   `json:"maxLength"`
	Enum       []string              `json:"enum"`
	Items      *specSchema           `json:"items"`
	Properties map[string]specSchema `json:"properties"`
}

type specOperation struct {
	RequestBody struct {
		Content map[string]struct {
			Schema specSchema `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
}

// loadSpec reads Fortnox's OpenAPI document (../shared/specs beside the checkout, or
// $FORTNOX_OPENAPI).
func loadSpec(t *testing.T) specDoc {
	t.Helper()
	path := os.Getenv("FORTNOX_OPENAPI")
	if path == "" {
		path = filepath.Join("..", "..", "..", "shared", "specs", "fortnox-openapi.json")
	}
	raw, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		t.Skipf("Fortnox OpenAPI spec not found at %s (set FORTNOX_OPENAPI)", path)
	}
	if err != nil {
		t.Fatalf("read spec: %v", err)
	}
	var doc specDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("parse spec: %v", err)
	}
	return doc
}

func refName(ref string) string { return strings.TrimPrefix(ref, "#/components/schemas/") }

// specPath finds the spec's template for a sandbox pattern; parameter names may differ.
func specPath(doc specDoc, pattern string) (string, bool) {
	want := splitPath(pattern)
	for p := range doc.Paths {
		got := splitPath(p)
		if len(got) != len(want) {
			continue
		}
		ok := true
		for i := range got {
			gp, wp := strings.HasPrefix(got[i], "{"), strings.HasPrefix(want[i], "{")
			if gp != wp || (!gp && got[i] != want[i]) {
				ok = false
				break
			}
		}
		if ok {
			return p, true
		}
	}
	return "", false
}

func TestContractRoutesExistInSpec(t *testing.T) {
	doc := loadSpec(t)
	fx := New(Options{})
	sch := fx.schemas
	// The schema each write route decodes with; the spec's request body must reference it.
	bodies := map[string]*schema{
		"/3/customers": sch.customer, "/3/articles": sch.article, "/3/orders": sch.order,
		"/3/prices": sch.price, "/3/pricelists": sch.priceList, "/3/termsofpayments": sch.termsOfPayment,
		"/3/modesofpayments": sch.modeOfPayment, "/3/wayofdeliveries": sch.wayOfDelivery, "/3/units": sch.unit, "/3/currencies": sch.currency,
		"/api/warehouse/stockpoints-v1": sch.stockPoint, "/3/invoicepayments": sch.invoicePayment,
	}
	for _, rt := range fx.routeTable {
		p, ok := specPath(doc, rt.pattern)
		if !ok {
			t.Errorf("%s %s: no such path in the spec", rt.method, rt.pattern)
			continue
		}
		// Note: the spec types the {ArticleNumber} path parameter as integer; it is a string
		// in reality, so templates are matched by shape, not by parameter type.
		rawOp, ok := doc.Paths[p][strings.ToLower(rt.method)]
		if !ok {
			t.Errorf("%s %s: the spec has no %s on %s", rt.method, rt.pattern, rt.method, p)
			continue
		}
		if rt.method != "POST" && rt.method != "PUT" || strings.HasSuffix(rt.pattern, "/cancel") || strings.HasSuffix(rt.pattern, "/createinvoice") {
			continue
		}
		var op specOperation
		if err := json.Unmarshal(rawOp, &op); err != nil {
			t.Fatalf("%s %s: %v", rt.method, p, err)
		}
		var want *schema
		for prefix, s := range bodies {
			if rt.pattern == prefix || strings.HasPrefix(rt.pattern, prefix+"/") {
				want = s
			}
		}
		if want == nil {
			t.Errorf("%s %s: the test does not know the body schema", rt.method, rt.pattern)
			continue
		}
		for _, c := range op.RequestBody.Content {
			ref := refName(c.Schema.Ref)
			if want.wrapper != "" {
				wrap := doc.Components.Schemas[ref]
				inner, ok := wrap.Properties[want.wrapper]
				if !ok {
					t.Errorf("%s %s: spec body %s has no wrapper %q", rt.method, p, ref, want.wrapper)
					continue
				}
				ref = refName(inner.Ref)
			}
			if ref != want.specRef {
				t.Errorf("%s %s: spec body is %s, sandbox decodes %s", rt.method, p, ref, want.specRef)
			}
		}
	}
}

func TestContractWriteFieldsMatchSpec(t *testing.T) {
	doc := loadSpec(t)
	sch := newSchemas()
	for _, s := range []*schema{sch.customer, sch.article, sch.order, sch.price, sch.priceList,
		sch.termsOfPayment, sch.modeOfPayment, sch.wayOfDelivery, sch.unit, sch.stockPoint, sch.invoice, sch.invoicePayment} {
		checkSchema(t, doc, s)
	}
}

// checkSchema compares every field the sandbox knows (and so accepts on write, unless
// read-only) with the spec's property: existence, JSON type, maxLength and enum.
func checkSchema(t *testing.T, doc specDoc, s *schema) {
	t.Helper()
	spec, ok := doc.Components.Schemas[s.specRef]
	if !ok {
		t.Errorf("spec has no schema %s", s.specRef)
		return
	}
	writable := 0
	for _, f := range s.fields {
		prop, ok := spec.Properties[f.name]
		if !ok {
			t.Errorf("%s.%s: not a property of the spec schema", s.specRef, f.name)
			continue
		}
		if !f.readOnly {
			writable++
		}
		wantTypes := map[kind][]string{kString: {"string"}, kDate: {"string"}, kNumber: {"number"},
			kNumStr: {"string", "number"}, kInt: {"integer"}, kBool: {"boolean"}, kObject: {"", "object"}, kRows: {"array"}}[f.kind]
		if !slices.Contains(wantTypes, prop.Type) {
			t.Errorf("%s.%s: sandbox kind %d, spec type %q", s.specRef, f.name, f.kind, prop.Type)
		}
		if f.max != prop.MaxLength {
			t.Errorf("%s.%s: maxLength %d, spec %d", s.specRef, f.name, f.max, prop.MaxLength)
		}
		got, want := slices.Clone(f.enum), slices.Clone(prop.Enum)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s.%s: enum %v, spec %v", s.specRef, f.name, got, want)
		}
		switch f.kind {
		case kObject:
			if refName(prop.Ref) != f.sub.specRef {
				t.Errorf("%s.%s: object %s, spec %s", s.specRef, f.name, f.sub.specRef, prop.Ref)
			}
			checkSchema(t, doc, f.sub)
		case kRows:
			if prop.Items == nil || refName(prop.Items.Ref) != f.sub.specRef {
				t.Errorf("%s.%s: rows of %s, spec items %+v", s.specRef, f.name, f.sub.specRef, prop.Items)
			}
			checkSchema(t, doc, f.sub)
		}
	}
	if writable == 0 {
		t.Errorf("%s: no writable fields checked", s.specRef)
	}
}
