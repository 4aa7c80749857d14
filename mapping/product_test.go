package mapping

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// demoProductSettings are the demo store's tables and feature (sandbox/demo holds the same;
// mapping cannot import it).
const demoProductSettings = `tables:
  colours: {SVA: Svart, VIT: Vit}
  categories: {TS: Kläder/Överdelar/T-shirts, HD: Kläder/Överdelar/Tröjor}
`

func productMapper(t *testing.T, yaml string) *Mapper {
	t.Helper()
	if !strings.Contains(yaml, "tables:") {
		yaml = demoProductSettings + yaml
	}
	if !strings.Contains(yaml, "features:") {
		if strings.HasPrefix(yaml, "products:\n") || strings.Contains(yaml, "\nproducts:\n") {
			yaml = strings.Replace(yaml, "products:\n", "products:\n  features: {Tillverkare: article.manufacturer}\n", 1)
		} else if !strings.Contains(yaml, "mappings:") {
			yaml += "products:\n  features: {Tillverkare: article.manufacturer}\n"
		}
	}
	s, err := Parse("settings.yaml", []byte(yaml))
	require.NoError(t, err)
	m, err := NewMapper(s)
	require.NoError(t, err)
	return m
}

func article(number, description, price string) SourceArticle {
	return SourceArticle{Number: number, Description: description, EAN: "", Price: decimal.RequireFromString(price),
		HasPrice: true, VAT: decimal.NewFromInt(25), HasVAT: true, PurchasePrice: decimal.NewFromInt(40),
		Manufacturer: "Nordisk Klädfabrik AB", Note: description + ", lång text.", Active: true}
}

func TestFamilyOfTheDefaultPattern(t *testing.T) {
	m := productMapper(t, "")
	for number, want := range map[string]string{"TS-RED-M": "TS", "SK2-SVA-36-40": "SK2", "MS-GRA-ONESIZE": "MS"} {
		key, groups, ok := m.FamilyOf(number)
		require.True(t, ok, number)
		assert.Equal(t, want, key, number)
		assert.Equal(t, want, groups["family"])
	}
	_, groups, _ := m.FamilyOf("TS-RED-M")
	assert.Equal(t, map[string]string{"family": "TS", "color": "RED", "size": "M"}, groups)
	for _, single := range []string{"ART-1001", "BOKNINGSAVGIFT", "ts-red-m"} {
		_, _, ok := m.FamilyOf(single)
		assert.False(t, ok, single)
		assert.Equal(t, single, m.RecordKey(single))
	}
	assert.Equal(t, "TS*", m.RecordKey("TS-SVA-XL"))
	family, ok := FamilyOfKey("TS*")
	assert.True(t, ok)
	assert.Equal(t, "TS", family)
	_, ok = FamilyOfKey("TS")
	assert.False(t, ok)

	none := productMapper(t, "products:\n  variant_grouping: {rule: none}\n")
	_, _, ok = none.FamilyOf("TS-RED-M")
	assert.False(t, ok)
}

func TestProductDraftOfAFamily(t *testing.T) {
	m := productMapper(t, "")
	black := article("TS-SVA-M", "T-shirt ekologisk bomull svart M", "159.20")
	black.EAN = "7350000000016"
	white := article("TS-VIT-L", "T-shirt ekologisk bomull vit L", "159.20")
	d, err := m.Product("TS*", []SourceArticle{white, black})
	require.NoError(t, err)
	assert.True(t, d.Family)
	assert.Equal(t, "T-shirt ekologisk bomull", d.Name)
	assert.Equal(t, "Color/Size", d.AttributeSet)
	assert.Equal(t, "Kläder/Överdelar/T-shirts", d.Category, "the prefix table of the defaults")
	require.Len(t, d.Items, 2)
	assert.Equal(t, []string{"TS-SVA-M", "TS-VIT-L"}, d.SKUs(), "in SKU order")
	it := d.Items[0]
	assert.Equal(t, "T-shirt ekologisk bomull svart M", it.Name)
	assert.Equal(t, "T-shirt ekologisk bomull svart M, lång text.", it.LongDescription)
	assert.Equal(t, "199", it.Price.String(), "159.20 excl. 25% VAT is 199.00 incl.")
	assert.Equal(t, "40", it.Cost.String())
	assert.Equal(t, "Moms 25%", it.TaxClass)
	assert.Equal(t, [3]string{"Svart", "M", ""}, it.Attributes, "the colour code through the colours table")
	assert.Equal(t, map[string]string{"Tillverkare": "Nordisk Klädfabrik AB"}, it.Features)
	assert.Equal(t, "7350000000016", it.EAN)
	assert.Empty(t, d.Problems)
}

func TestProductDraftOfASingleArticle(t *testing.T) {
	m := productMapper(t, "products:\n  price_includes_vat: false\n")
	a := article("ART-1001", "Tygkasse bomull", "63.2")
	d, err := m.Product("ART-1001", []SourceArticle{a})
	require.NoError(t, err)
	assert.False(t, d.Family)
	assert.Empty(t, d.Name)
	assert.Empty(t, d.AttributeSet)
	assert.Empty(t, d.Category, "no prefix of the table starts ART-")
	require.Len(t, d.Items, 1)
	assert.Equal(t, "63.2", d.Items[0].Price.String(), "excl. VAT as Fortnox has it")
	assert.Equal(t, [3]string{}, d.Items[0].Attributes)
}

func TestProductProblemsNameTheArticle(t *testing.T) {
	m := productMapper(t, "products:\n  archive_inactive: true\n")
	good := article("TS-SVA-M", "T-shirt svart M", "100")
	badEAN := article("TS-SVA-L", "T-shirt svart L", "100")
	badEAN.EAN = "7350000000015"
	noPrice := article("TS-SVA-S", "T-shirt svart S", "0")
	noPrice.HasPrice = false
	noVAT := article("TS-VIT-S", "T-shirt vit S", "100")
	noVAT.HasVAT = false
	long := article("TS-VIT-M", strings.Repeat("x", 256), "100")
	blank := article("TS-VIT-L", " ", "100")
	gone := article("TS-VIT-XL", "T-shirt vit XL", "100")
	gone.Active = false
	d, err := m.Product("TS*", []SourceArticle{good, badEAN, noPrice, noVAT, long, blank, gone})
	require.NoError(t, err)
	assert.Equal(t, []string{"TS-SVA-M", "TS-VIT-XL"}, d.SKUs())
	assert.True(t, d.Items[1].Archive, "inactive with archive_inactive on")
	assert.False(t, d.Items[0].Archive)
	assert.Equal(t, []string{
		`article TS-SVA-L: ean: "7350000000015" is not a valid EAN/GTIN (8, 12, 13 or 14 digits with a correct check digit)`,
		"article TS-SVA-S: price: no price in Fortnox price list A",
		"article TS-VIT-L: name: the article has no description",
		"article TS-VIT-M: name: 256 characters, Lightspeed takes at most 255",
		"article TS-VIT-S: vat: Fortnox has no VAT rate for the article, so the price incl. VAT is unknown",
	}, d.Problems)

	twelve := article("KAFFE", "Kaffe", "80")
	twelve.VAT = decimal.NewFromInt(7)
	d, err = m.Product("KAFFE", []SourceArticle{twelve})
	require.NoError(t, err)
	assert.Empty(t, d.Items)
	assert.Equal(t, []string{"article KAFFE: vat: no Lightspeed tax class for 7% VAT in products.tax_classes"}, d.Problems)

	_, err = m.Product("TS*", nil)
	require.EqualError(t, err, "articles: no Fortnox article belongs to TS*")

	// A single article named like a family is its own record, not one of the family's.
	d, err = m.Product("TS*", []SourceArticle{article("TS", "Skyltdocka", "1"), good})
	require.NoError(t, err)
	assert.Equal(t, []string{"TS-SVA-M"}, d.SKUs())
	assert.Equal(t, []string{"article TS: belongs to record TS, not TS*"}, d.Problems)
}

func TestProductExpressionsAreTheUsers(t *testing.T) {
	m := productMapper(t, `
products:
  features: {Material: 'article.manufacturer == "" ? "okänt" : upper(article.manufacturer)'}
  attributes: {attribute2: group.size}
mappings:
  products:
    name: upper(article.description)
    category: '"Alla/" + family.key'
`)
	d, err := m.Product("TS*", []SourceArticle{article("TS-SVA-M", "T-shirt svart M", "100")})
	require.NoError(t, err)
	require.Len(t, d.Items, 1)
	assert.Equal(t, "T-SHIRT SVART M", d.Items[0].Name)
	assert.Equal(t, "Alla/TS", d.Category)
	assert.Equal(t, map[string]string{"Material": "NORDISK KLÄDFABRIK AB"}, d.Items[0].Features)
	assert.Equal(t, [3]string{"Svart", "M", ""}, d.Items[0].Attributes)
}

func TestValidGTIN(t *testing.T) {
	for _, ok := range []string{"7350000000016", "96385074", "036000291452", "10012345678902"} {
		assert.True(t, ValidGTIN(ok), ok)
	}
	for _, bad := range []string{"7350000000015", "036000291453", "73500000000A4", "", "123"} {
		assert.False(t, ValidGTIN(bad), bad)
	}
}

func TestPrefixLookupTakesTheLongestKey(t *testing.T) {
	m := productMapper(t, `
tables:
  categories: {T: Allt med T, TS: T-shirts, TS2: T-shirts nya}
mappings:
  products:
    category: prefix_lookup("categories", article.number, "Övrigt")
`)
	for number, want := range map[string]string{"TS2-SVA-M": "T-shirts nya", "TS-SVA-M": "T-shirts", "TR-SVA-M": "Allt med T", "AB-SVA-M": "Övrigt"} {
		d, err := m.Product(m.RecordKey(number), []SourceArticle{article(number, "Vara", "1")})
		require.NoError(t, err)
		assert.Equal(t, want, d.Category, number)
	}
}

func TestFamiliesByAField(t *testing.T) {
	m := productMapper(t, "products:\n  variant_grouping: {rule: field, field: manufacturer_article_number}\n  attributes: {}\n")
	styled := article("TS-SVA-M", "T-shirt svart M", "100")
	styled.ManufacturerNumber = "STYLE-7"
	assert.Equal(t, "STYLE-7*", m.RecordKeyOf(styled))
	plain := article("TS-SVA-L", "T-shirt svart L", "100")
	assert.Equal(t, "TS-SVA-L", m.RecordKeyOf(plain), "no style number: its own item")
	spaced := plain
	spaced.ManufacturerNumber = "STYLE 7"
	assert.Equal(t, "TS-SVA-L", m.RecordKeyOf(spaced), "a value with a space cannot name a record")
	d, err := m.Product("STYLE-7*", []SourceArticle{styled, plain})
	require.NoError(t, err)
	assert.True(t, d.Family)
	assert.Equal(t, []string{"TS-SVA-M"}, d.SKUs())
	assert.Equal(t, []string{"article TS-SVA-L: belongs to record TS-SVA-L, not STYLE-7*"}, d.Problems)
	_, _, ok := m.FamilyOf("TS-SVA-M")
	assert.False(t, ok, "the number says nothing under rule field")
}
