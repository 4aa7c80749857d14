package lightspeed

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// kind is how a field is compared in filters and checked on write; on the wire every
// value is a string regardless.
type kind int

const (
	kString kind = iota
	kInt
	kDecimal
	kBool
	kTime
)

type field struct {
	name     string
	kind     kind
	readOnly bool
}

// relation is a documented load_relations name. Unmodelled ones render as "" (an empty
// relation), which is what the real API sends for a relation without data.
type relation struct {
	many     bool
	modelled bool
}

// entityDef describes one API entity: its wire fields, sort whitelist and relations.
type entityDef struct {
	name      string
	idField   string
	fields    []field
	byName    map[string]field
	sortable  []string
	relations map[string]relation
	writes    map[string]bool // methods besides GET
	archived  bool            // has an archived flag that list queries honour
}

// parseFields reads "name:kind[:ro]" specs; kinds: s string, i integer, d decimal, b bool,
// t time.
func parseFields(spec string) []field {
	var out []field
	for _, tok := range strings.Fields(spec) {
		parts := strings.Split(tok, ":")
		f := field{name: parts[0]}
		switch parts[1] {
		case "i":
			f.kind = kInt
		case "d":
			f.kind = kDecimal
		case "b":
			f.kind = kBool
		case "t":
			f.kind = kTime
		}
		f.readOnly = len(parts) > 2 && parts[2] == "ro"
		out = append(out, f)
	}
	return out
}

func newDef(name, idField, fields, sortable, relations, writes string) *entityDef {
	d := &entityDef{name: name, idField: idField, fields: parseFields(fields), byName: map[string]field{},
		relations: map[string]relation{}, writes: map[string]bool{}}
	for _, f := range d.fields {
		d.byName[f.name] = f
		if f.name == "archived" {
			d.archived = true
		}
	}
	d.sortable = strings.Fields(sortable)
	// relations: "Name" (to-one, unmodelled), "+Name" (modelled), "*Name" (to-many), "*+Name".
	for _, r := range strings.Fields(relations) {
		var rel relation
		for len(r) > 0 && (r[0] == '*' || r[0] == '+') {
			if r[0] == '*' {
				rel.many = true
			} else {
				rel.modelled = true
			}
			r = r[1:]
		}
		d.relations[r] = rel
	}
	for _, m := range strings.Fields(writes) {
		d.writes[m] = true
	}
	return d
}

// entityDefs builds the field tables of reference §8 for the entities the simulator serves.
func entityDefs() map[string]*entityDef {
	defs := []*entityDef{
		newDef("Item", "itemID",
			"itemID:i:ro systemSku:s:ro customSku:s manufacturerSku:s upc:s ean:s defaultCost:d avgCost:d:ro "+
				"discountable:b tax:b archived:b serialized:b itemType:s description:s modelYear:i "+
				"timeStamp:t:ro createTime:t:ro publishToEcom:b categoryID:i taxClassID:i departmentID:i "+
				"itemMatrixID:i manufacturerID:i seasonID:i defaultVendorID:i",
			"itemID timeStamp description",
			"+Category +TaxClass +ItemAttributes +ItemAttributes.ItemAttributeSet Manufacturer Note Images *+ItemShops "+
				"*ItemVendorNums *ItemComponents +ItemECommerce *TagRelations *TagRelations.Tag *+CustomFieldValues "+
				"*+CustomFieldValues.value *ItemPrices",
			"POST PUT DELETE"),
		newDef("ItemShop", "itemShopID",
			"itemShopID:i:ro itemID:i:ro shopID:i:ro timeStamp:t:ro qoh:d:ro sellable:d:ro backorder:d:ro componentQoh:d:ro "+
				"componentBackorder:d:ro reorderPoint:d reorderLevel:d onLayaway:d:ro onSpecialOrder:d:ro onWorkOrder:d:ro "+
				"onTransferOut:d:ro onTransferIn:d:ro",
			"itemShopID timeStamp", "+Item +Shop", "PUT"),
		newDef("ItemMatrix", "itemMatrixID",
			"itemMatrixID:i:ro description:s tax:b defaultCost:d itemType:s serialized:b modelYear:i archived:b "+
				"timeStamp:t:ro itemAttributeSetID:i manufacturerID:i categoryID:i defaultVendorID:i taxClassID:i seasonID:i departmentID:i",
			"itemMatrixID timeStamp description",
			"+Category +TaxClass Department +ItemAttributeSet Manufacturer Season Images *+Items +ItemECommerce *TagRelations *TagRelations.Tag",
			"POST PUT DELETE"),
		// The item custom field definitions, served at Item/CustomField (Lightspeed's docs:
		// "Item CustomField"); the values live on each item's CustomFieldValues.
		newDef("CustomField", "customFieldID",
			"customFieldID:i:ro name:s type:s uom:s decimalPrecision:i archived:b default:s createTime:t:ro timeStamp:t:ro",
			"customFieldID timeStamp name", "", "POST PUT DELETE"),
		newDef("ItemAttributeSet", "itemAttributeSetID",
			"itemAttributeSetID:i:ro name:s attributeName1:s attributeName2:s attributeName3:s system:b:ro archived:b",
			"itemAttributeSetID", "", "POST"),
		newDef("Category", "categoryID",
			"categoryID:i:ro name:s nodeDepth:i:ro fullPathName:s:ro leftNode:i:ro rightNode:i:ro createTime:t:ro timeStamp:t:ro parentID:i",
			"categoryID timeStamp leftNode rightNode", "+Parent", "POST PUT DELETE"),
		newDef("Customer", "customerID",
			"customerID:i:ro firstName:s lastName:s dob:s archived:b title:s company:s companyRegistrationNumber:s vatNumber:s "+
				"createTime:t:ro timeStamp:t:ro creditAccountID:i customerTypeID:i discountID:i taxCategoryID:i contactID:i:ro "+
				"noteID:i:ro employeeID:i",
			"customerID timeStamp firstName lastName",
			"+Contact +CustomerType Discount Note TaxCategory CreditAccount *Tags *CustomFieldValues *CustomFieldValues.value",
			"POST PUT DELETE"),
		newDef("CustomerType", "customerTypeID", "customerTypeID:i:ro name:s taxCategoryID:i discountID:i",
			"customerTypeID", "", "POST PUT"),
		newDef("Sale", "saleID",
			"saleID:i:ro timeStamp:t:ro createTime:t:ro updatetime:t:ro completeTime:t completed:b archived:b voided:b "+
				"enablePromotions:b isTaxInclusive:b tipEnabled:b discountPercent:d referenceNumber:s referenceNumberSource:s ticketNumber:s:ro "+
				"tax1Rate:d:ro tax2Rate:d:ro change:d:ro receiptPreference:s displayableSubtotal:d:ro calcDiscount:d:ro "+
				"calcTotal:d:ro calcSubtotal:d:ro calcTaxable:d:ro calcNonTaxable:d:ro calcAvgCost:d:ro calcFIFOCost:d:ro "+
				"calcTax1:d:ro calcTax2:d:ro calcPayments:d:ro calcTips:d:ro calcItemFees:d:ro total:d:ro totalDue:d:ro "+
				"displayableTotal:d:ro balance:d:ro taxTotal:d:ro customerID:i employeeID:i tipEmployeeID:i quoteID:i "+
				"registerID:i shipToID:i shopID:i taxCategoryID:i",
			"saleID timeStamp completeTime updatetime",
			"*+SaleLines *SaleLines.Discount *SaleLines.TaxClass *+SaleLines.Note *+SaleLines.Item *SaleLines.InventorySales "+
				"*SaleNotes *+SalePayments *+SalePayments.PaymentType *SalePayments.CCCharge *SalePayments.SaleAccounts "+
				"*SalePayments.Signatures +ShipTo +ShipTo.Contact +Customer +Customer.Contact Discount TaxCategory "+
				"*TaxCategory.TaxCategoryClasses Quote +Shop",
			"POST PUT DELETE"),
		newDef("SaleLine", "saleLineID",
			"saleLineID:i:ro createTime:t:ro timeStamp:t:ro unitQuantity:d unitPrice:d normalUnitPrice:d:ro discountAmount:d "+
				"discountPercent:d avgCost:d:ro fifoCost:d:ro tax:b tax1Rate:d:ro tax2Rate:d:ro isLayaway:b isWorkorder:b "+
				"isSpecialOrder:b displayableSubtotal:d:ro displayableUnitPrice:d:ro calcLineDiscount:d:ro "+
				"calcTransactionDiscount:d:ro calcTotal:d:ro calcSubtotal:d:ro calcTax1:d:ro calcTax2:d:ro taxClassID:i "+
				"customerID:i:ro discountID:i employeeID:i itemID:i noteID:i parentSaleLineID:i shopID:i:ro taxCategoryID:i "+
				"saleID:i:ro itemFeeID:i",
			"saleLineID timeStamp saleID", "+Item", "PUT DELETE"),
		newDef("SalePayment", "salePaymentID",
			"salePaymentID:i:ro amount:d tipAmount:d createTime:t:ro archived:b remoteReference:s paymentID:s saleID:i:ro "+
				"paymentTypeID:i ccChargeID:i refPaymentID:i registerID:i employeeID:i creditAccountID:i",
			"salePaymentID", "+PaymentType", ""),
		newDef("PaymentType", "paymentTypeID",
			"paymentTypeID:i:ro name:s requireCustomer:b archived:b internalReserved:b:ro type:s refundAsPaymentTypeID:i",
			"paymentTypeID", "", "POST PUT"),
		newDef("Shop", "shopID",
			"shopID:i:ro name:s serviceRate:d timeZone:s taxLabor:b labelTitle:b labelMsrp:b archived:b timeStamp:t:ro "+
				"companyRegistrationNumber:s vatNumber:s zebraBrowserPrint:b contactID:i taxCategoryID:i receiptSetupID:i "+
				"vendorID:i ccGatewayID:i gatewayConfigID:i priceLevelID:i",
			"shopID timeStamp", "Contact TaxCategory ReceiptSetup CCGateway +PriceLevel *+Registers *ShelfLocations", ""),
		newDef("Register", "registerID",
			"registerID:i:ro name:s open:b openTime:t openEmployeeID:i shopID:i tipEnabled:b archived:b",
			"registerID", "+Shop", ""),
		newDef("Employee", "employeeID",
			"employeeID:i:ro firstName:s lastName:s lockOut:b archived:b timeStamp:t:ro employeeRoleID:i limitToShopID:i",
			"employeeID timeStamp", "", ""),
		newDef("TaxClass", "taxClassID", "taxClassID:i:ro name:s classType:s timeStamp:t:ro",
			"taxClassID timeStamp", "", ""),
		newDef("PriceLevel", "priceLevelID",
			"priceLevelID:i:ro name:s archived:b canBeArchived:b:ro type:s Calculation:s:ro",
			"priceLevelID", "", ""),
	}
	out := make(map[string]*entityDef, len(defs))
	for _, d := range defs {
		out[d.name] = d
	}
	return out
}

// wireTime is the API's timestamp format: UTC with a "+00:00" offset.
func wireTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05+00:00")
}

// parseFilterTime accepts the forms the API documents for timeStamp filters.
func parseFilterTime(v string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05-0700", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	// A "+" in a query value may have arrived as a space.
	if strings.Contains(v, " ") {
		return parseFilterTime(strings.ReplaceAll(v, " ", "+"))
	}
	return time.Time{}, false
}

// scalarString turns a request value into its wire string, checking it against the field
// kind; requests may use native numbers and booleans, responses always use strings.
func scalarString(entity string, f field, v any) (string, error) {
	var s string
	switch x := v.(type) {
	case nil:
		return "", nil // "an empty or null value empties the field"
	case string:
		s = strings.TrimSpace(x)
	case json.Number:
		s = x.String()
	case bool:
		s = strconv.FormatBool(x)
	default:
		return "", badRequest("%s.%s must be a string, number or boolean, not %s.", entity, f.name, jsonTypeName(v))
	}
	if s == "" {
		return "", nil
	}
	switch f.kind {
	case kInt:
		n, err := decimal.NewFromString(s)
		if err != nil || !n.IsInteger() {
			return "", badRequest("%s.%s must be an integer, got %q.", entity, f.name, s)
		}
		return n.String(), nil
	case kDecimal:
		n, err := decimal.NewFromString(s)
		if err != nil {
			return "", badRequest("%s.%s must be a number, got %q.", entity, f.name, s)
		}
		return n.String(), nil
	case kBool:
		switch strings.ToLower(s) {
		case "true", "1":
			return "true", nil
		case "false", "0":
			return "false", nil
		}
		return "", badRequest("%s.%s must be true or false, got %q.", entity, f.name, s)
	case kTime:
		t, ok := parseFilterTime(s)
		if !ok {
			return "", badRequest("%s.%s must be a date and time like 2024-01-31T12:00:00+00:00, got %q.", entity, f.name, s)
		}
		return wireTime(t), nil
	}
	return s, nil
}

func jsonTypeName(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	return fmt.Sprintf("%T", v)
}
