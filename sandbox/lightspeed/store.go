package lightspeed

import (
	"sort"
	"strconv"

	"github.com/shopspring/decimal"
)

// record holds an entity's scalar fields exactly as they go on the wire: all strings.
type record map[string]string

func (r record) int(name string) int {
	n, _ := strconv.Atoi(r[name])
	return n
}

func (r record) dec(name string) decimal.Decimal {
	d, err := decimal.NewFromString(r[name])
	if err != nil {
		return decimal.Zero
	}
	return d
}

type table struct {
	rows map[int]record
	ids  []int // ascending; ids only grow
	next int
}

func (t *table) insert(idField string, rec record) int {
	t.next++
	id := t.next
	rec[idField] = strconv.Itoa(id)
	t.rows[id] = rec
	t.ids = append(t.ids, id)
	return id
}

func (t *table) remove(id int) {
	delete(t.rows, id)
	i := sort.SearchInts(t.ids, id)
	if i < len(t.ids) && t.ids[i] == id {
		t.ids = append(t.ids[:i], t.ids[i+1:]...)
	}
}

type price struct {
	amount  decimal.Decimal
	levelID int
}

type itemAttributes struct {
	setID  int
	values [3]string
}

// contact is the Customer's nested Contact; it cannot be written any other way.
type contact struct {
	id                        int
	custom                    string
	noEmail, noPhone, noMail  string
	timeStamp                 string
	emails, phones, addresses []record
	websites                  []record
}

// store is the simulator's data. Side maps hold what lives nested in a parent record.
type store struct {
	tables       map[string]*table
	itemPrices   map[int][]price
	matrixPrices map[int][]price
	attrs        map[int]*itemAttributes // by itemID
	matrixValues map[int]*[3][]string    // by itemMatrixID
	contacts     map[int]*contact        // by customerID
	nextContact  int
	taxRates     map[int]decimal.Decimal // by taxClassID, a fraction (0.25)
	itemShops    map[int]map[int]int     // itemID → shopID → itemShopID
	saleLines    map[int][]int           // saleID → saleLineIDs
	salePayments map[int][]int           // saleID → salePaymentIDs
	barcodes     map[string]int          // "ean:…"/"upc:…" → itemID, for the duplicate rule
	ecommerce    map[string]record       // "Item:12"/"ItemMatrix:3" → ItemECommerce
	nextECom     int
	customFields map[int][]record // itemID → CustomFieldValue records
	nextCustom   int
	lineNotes    map[int]record // saleLineID → its Note (note, isPublic, timeStamp)
	nextNote     int
	shipTos      map[int]*shipTo // shipToID → a sale's ship-to
}

// shipTo is a sale's ShipTo: its scalar fields and its Contact, like a customer's.
type shipTo struct {
	rec     record
	contact *contact
}

func newStore(defs map[string]*entityDef) *store {
	st := &store{tables: map[string]*table{}, itemPrices: map[int][]price{}, matrixPrices: map[int][]price{},
		attrs: map[int]*itemAttributes{}, matrixValues: map[int]*[3][]string{}, contacts: map[int]*contact{},
		taxRates: map[int]decimal.Decimal{}, itemShops: map[int]map[int]int{}, saleLines: map[int][]int{},
		salePayments: map[int][]int{}, barcodes: map[string]int{}, ecommerce: map[string]record{},
		customFields: map[int][]record{}, lineNotes: map[int]record{}, shipTos: map[int]*shipTo{}}
	for name := range defs {
		st.tables[name] = &table{rows: map[int]record{}}
	}
	return st
}

// blank returns a record with every field of def at its wire default, so responses carry
// the full field set like the real API does.
func blank(def *entityDef) record {
	rec := make(record, len(def.fields))
	for _, f := range def.fields {
		switch f.kind {
		case kInt, kDecimal:
			rec[f.name] = "0"
		case kBool:
			rec[f.name] = "false"
		default:
			rec[f.name] = ""
		}
	}
	return rec
}

func (st *store) get(entity string, id int) record {
	return st.tables[entity].rows[id]
}

// oneOrMany renders a collection the XML way: an object for one element, an array for
// several, and "" when there are none.
func oneOrMany(wrapper string, elems []any) any {
	switch len(elems) {
	case 0:
		return ""
	case 1:
		return map[string]any{wrapper: elems[0]}
	}
	return map[string]any{wrapper: elems}
}

func scalars(rec record) map[string]any {
	out := make(map[string]any, len(rec)+4)
	for k, v := range rec {
		out[k] = v
	}
	return out
}
