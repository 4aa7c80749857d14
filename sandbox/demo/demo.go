// Package demo generates the believable Swedish store both sandboxes are seeded with, so
// the two sides share SKUs, customers and prices. Generation is deterministic per seed.
package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/shopspring/decimal"
)

// Article is one sellable SKU; variants of one family share Family and differ by Size/Colour.
type Article struct {
	Number          string // the SKU: Fortnox ArticleNumber = Lightspeed customSku
	Description     string
	LongDescription string
	EAN             string
	Unit            string
	Price           decimal.Decimal // excl. VAT, SEK
	PurchasePrice   decimal.Decimal
	VAT             int // percent: 25, 12 or 6
	Stock           decimal.Decimal
	Family          string // "" for a simple article
	FamilyName      string
	Size, Colour    string
	Category        string // path, "/" separated
	Manufacturer    string
	Weight          int // grams
}

// Customer is a buyer; Company == "" means a private person.
type Customer struct {
	Name        string
	Company     string
	OrgNumber   string
	Email       string
	Phone       string
	Address     string
	ZipCode     string
	City        string
	CountryCode string
}

// Catalogue is everything a seed holds.
type Catalogue struct {
	Articles  []Article
	Customers []Customer
}

// Demo is the store `go run ./sandbox` starts with: 246 articles in 22 size/colour families
// plus simple articles, and 50 customers.
func Demo() Catalogue {
	return Generate(246, 22, 50, 1)
}

type familyKind struct {
	code, name, category string
	sizes                []string
	price                int
	vat                  int
}

var kinds = []familyKind{
	{"TS", "T-shirt ekologisk bomull", "Kläder/Överdelar/T-shirts", []string{"S", "M", "L", "XL"}, 199, 25},
	{"HD", "Huvtröja college", "Kläder/Överdelar/Tröjor", []string{"S", "M", "L", "XL"}, 549, 25},
	{"JN", "Jeans rak modell", "Kläder/Underdelar/Jeans", []string{"28", "30", "32", "34"}, 799, 25},
	{"CH", "Chinos stretch", "Kläder/Underdelar/Byxor", []string{"30", "32", "34"}, 649, 25},
	{"SK", "Strumpor ull 2-pack", "Accessoarer/Strumpor", []string{"36-40", "41-45"}, 129, 25},
	{"MS", "Mössa merinoull", "Accessoarer/Mössor", []string{"One size"}, 249, 25},
	{"JK", "Jacka vattentät", "Kläder/Ytterkläder/Jackor", []string{"S", "M", "L", "XL"}, 1899, 25},
	{"SN", "Sneakers canvas", "Skor/Sneakers", []string{"38", "39", "40", "41", "42", "43", "44"}, 899, 25},
	{"KL", "Klänning linne", "Kläder/Klänningar", []string{"XS", "S", "M", "L"}, 999, 25},
	{"SJ", "Skjorta oxford", "Kläder/Överdelar/Skjortor", []string{"S", "M", "L", "XL"}, 599, 25},
	{"SH", "Shorts twill", "Kläder/Underdelar/Shorts", []string{"S", "M", "L"}, 399, 25},
	{"VS", "Väst dun", "Kläder/Ytterkläder/Västar", []string{"S", "M", "L"}, 1299, 25},
}

var colours = []string{"Svart", "Vit", "Marinblå", "Grå", "Röd", "Grön", "Beige", "Ljusblå"}

var simples = []struct {
	name, category string
	price, vat     int
}{
	{"Tygkasse bomull", "Accessoarer/Väskor", 79, 25},
	{"Presentkort 500 kr", "Presentkort", 500, 25},
	{"Skovårdsspray", "Skor/Skovård", 149, 25},
	{"Bälte läder", "Accessoarer/Bälten", 449, 25},
	{"Solglasögon", "Accessoarer/Glasögon", 349, 25},
	{"Kokbok Svensk husmanskost", "Böcker", 299, 6},
	{"Kaffe mellanrost 500 g", "Livsmedel", 89, 12},
	{"Choklad mörk 70%", "Livsmedel", 39, 12},
	{"Plånbok läder", "Accessoarer/Plånböcker", 499, 25},
	{"Paraply kompakt", "Accessoarer/Paraplyer", 249, 25},
	{"Halsduk ull", "Accessoarer/Halsdukar", 399, 25},
	{"Vantar skinn", "Accessoarer/Vantar", 449, 25},
	{"Ryggsäck 20 l", "Accessoarer/Väskor", 899, 25},
	{"Skosnören vaxade", "Skor/Skovård", 49, 25},
	{"Termos 0,5 l", "Hem", 279, 25},
	{"Doftljus", "Hem", 189, 25},
}

var (
	firstNames = []string{"Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Sara", "Anders", "Emma", "Per", "Eva", "Mikael", "Lena", "Nils", "Åsa", "Björn", "Linnéa", "Örjan", "Elin", "Gustav"}
	lastNames  = []string{"Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson", "Gustafsson", "Pettersson", "Jönsson", "Lindström", "Åberg", "Söderberg", "Holm"}
	companies  = []string{"Byggservice", "Konsult", "Design", "Café", "Frisör", "Redovisning", "Måleri", "Trädgård", "Event", "Fastigheter"}
	streets    = []string{"Storgatan", "Drottninggatan", "Kungsgatan", "Vasagatan", "Sveavägen", "Järnvägsgatan", "Skolgatan", "Köpmangatan", "Östra Långgatan", "Ågatan"}
	cities     = []struct{ zip, city string }{{"111 22", "Stockholm"}, {"411 01", "Göteborg"}, {"211 20", "Malmö"}, {"753 20", "Uppsala"}, {"702 10", "Örebro"}, {"582 24", "Linköping"}, {"903 26", "Umeå"}, {"852 30", "Sundsvall"}}
)

// Generate builds a catalogue of n articles of which families are size/colour families
// (the rest simple articles) and c customers. The same arguments give the same catalogue.
func Generate(n, families, c int, seed int64) Catalogue {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	var cat Catalogue
	// Families first, round-robin over the kinds, each with its own colours.
	perFamily := 0
	if families > 0 {
		perFamily = max(1, (n*4/5)/families)
	}
	for f := 0; f < families && len(cat.Articles) < n; f++ {
		k := kinds[f%len(kinds)]
		gen := f / len(kinds)
		code := k.code
		name := k.name
		if gen > 0 {
			code = fmt.Sprintf("%s%d", k.code, gen+1)
			name = fmt.Sprintf("%s %d", k.name, gen+1)
		}
		nColours := max(1, min(len(colours), (perFamily+len(k.sizes)-1)/len(k.sizes)))
		start := rng.IntN(len(colours))
		for ci := 0; ci < nColours; ci++ {
			col := colours[(start+ci)%len(colours)]
			for _, size := range k.sizes {
				if len(cat.Articles) >= n {
					break
				}
				cat.Articles = append(cat.Articles, variant(rng, k, code, name, col, size, len(cat.Articles)))
			}
		}
	}
	for i := 0; len(cat.Articles) < n; i++ {
		s := simples[i%len(simples)]
		name := s.name
		num := fmt.Sprintf("ART-%04d", 1001+i)
		if i >= len(simples) {
			name = fmt.Sprintf("%s %d", s.name, i/len(simples)+1)
		}
		cat.Articles = append(cat.Articles, Article{
			Number: num, Description: name, LongDescription: name + ". Ett populärt val i butiken.",
			EAN: ean13(rng, len(cat.Articles)), Unit: "st", Price: decimal.NewFromInt(int64(s.price)),
			PurchasePrice: decimal.NewFromInt(int64(s.price)).Mul(decimal.RequireFromString("0.45")).Round(2),
			VAT:           s.vat, Stock: decimal.NewFromInt(int64(5 + rng.IntN(60))), Category: s.category,
			Manufacturer: "Nordisk Handel AB", Weight: 100 + rng.IntN(900),
		})
	}
	for i := 0; i < c; i++ {
		cat.Customers = append(cat.Customers, customer(rng, i))
	}
	return cat
}

func variant(rng *rand.Rand, k familyKind, code, name, colour, size string, idx int) Article {
	sizeCode := strings.ToUpper(strings.ReplaceAll(size, " ", ""))
	colCode := strings.ToUpper(asciiFold(colour))[:3]
	price := decimal.NewFromInt(int64(k.price))
	return Article{
		Number:          fmt.Sprintf("%s-%s-%s", code, colCode, sizeCode),
		Description:     fmt.Sprintf("%s %s %s", name, strings.ToLower(colour), size),
		LongDescription: fmt.Sprintf("%s i färgen %s, storlek %s. Tillverkad med omsorg för lång hållbarhet.", name, strings.ToLower(colour), size),
		EAN:             ean13(rng, idx),
		Unit:            "st",
		Price:           price,
		PurchasePrice:   price.Mul(decimal.RequireFromString("0.4")).Round(2),
		VAT:             k.vat,
		Stock:           decimal.NewFromInt(int64(rng.IntN(40))),
		Family:          code,
		FamilyName:      name,
		Size:            size,
		Colour:          colour,
		Category:        k.category,
		Manufacturer:    "Nordisk Klädfabrik AB",
		Weight:          150 + rng.IntN(1200),
	}
}

func customer(rng *rand.Rand, i int) Customer {
	first := firstNames[i%len(firstNames)]
	last := lastNames[(i*7+rng.IntN(3))%len(lastNames)]
	city := cities[rng.IntN(len(cities))]
	c := Customer{
		Name:        first + " " + last,
		Email:       fmt.Sprintf("%s.%s%d@example.se", strings.ToLower(asciiFold(first)), strings.ToLower(asciiFold(last)), i+1),
		Phone:       fmt.Sprintf("070-%03d %02d %02d", rng.IntN(1000), rng.IntN(100), rng.IntN(100)),
		Address:     fmt.Sprintf("%s %d", streets[rng.IntN(len(streets))], 1+rng.IntN(80)),
		ZipCode:     city.zip,
		City:        city.city,
		CountryCode: "SE",
	}
	if i%3 == 0 { // every third customer is a company with the person as contact
		c.Company = fmt.Sprintf("%s %s AB", last, companies[i%len(companies)])
		c.OrgNumber = fmt.Sprintf("55%04d-%04d", rng.IntN(10000), rng.IntN(10000))
	}
	if i%10 == 7 { // a few customers abroad
		c.CountryCode = []string{"NO", "DK", "FI", "DE"}[i%4]
	}
	return c
}

// ean13 returns a valid EAN-13 in the Swedish 73 prefix range, unique per idx.
func ean13(rng *rand.Rand, idx int) string {
	base := fmt.Sprintf("73%05d%05d", 10000+rng.IntN(89999), idx%100000)
	sum := 0
	for i, r := range base {
		d := int(r - '0')
		if i%2 == 1 {
			d *= 3
		}
		sum += d
	}
	return base + fmt.Sprint((10-sum%10)%10)
}

// asciiFold drops Swedish diacritics for codes and e-mail addresses.
func asciiFold(s string) string {
	return strings.NewReplacer("å", "a", "ä", "a", "ö", "o", "Å", "A", "Ä", "A", "Ö", "O", "é", "e").Replace(s)
}
