package lightspeed

// Response types. Only the fields the flows use are declared; unknown fields are ignored.
// Single-record relations are pointers whose UnmarshalJSON accepts "" (an empty relation),
// which leaves a zero value: check the id (Sale.CustomerID), not the pointer, to tell
// whether a relation exists.

// Account is one Lightspeed account the token can reach.
type Account struct {
	AccountID Int    `json:"accountID"`
	Name      string `json:"name"`
}

// Sale is a POS transaction; open sales stand for orders from other systems.
type Sale struct {
	SaleID                Int               `json:"saleID"`
	TimeStamp             Time              `json:"timeStamp"`
	CreateTime            Time              `json:"createTime"`
	CompleteTime          Time              `json:"completeTime"`
	Completed             Bool              `json:"completed"`
	Archived              Bool              `json:"archived"`
	Voided                Bool              `json:"voided"`
	IsTaxInclusive        Bool              `json:"isTaxInclusive"`
	ReferenceNumber       string            `json:"referenceNumber"`
	ReferenceNumberSource string            `json:"referenceNumberSource"`
	TicketNumber          string            `json:"ticketNumber"`
	CustomerID            Int               `json:"customerID"`
	ShopID                Int               `json:"shopID"`
	RegisterID            Int               `json:"registerID"`
	EmployeeID            Int               `json:"employeeID"`
	TaxCategoryID         Int               `json:"taxCategoryID"`
	CalcDiscount          Decimal           `json:"calcDiscount"`
	CalcSubtotal          Decimal           `json:"calcSubtotal"`
	CalcTotal             Decimal           `json:"calcTotal"`
	CalcTax1              Decimal           `json:"calcTax1"`
	CalcTax2              Decimal           `json:"calcTax2"`
	CalcPayments          Decimal           `json:"calcPayments"`
	Total                 Decimal           `json:"total"`
	TotalDue              Decimal           `json:"totalDue"`
	TaxTotal              Decimal           `json:"taxTotal"`
	Balance               Decimal           `json:"balance"`
	SaleLines             List[SaleLine]    `json:"SaleLines"`
	SalePayments          List[SalePayment] `json:"SalePayments"`
	Customer              *Customer         `json:"Customer"`
	// ShipToID and ShipTo (relations "ShipTo", "ShipTo.Contact") are where the sale is
	// shipped; 0 and nil for a sale taken at the till.
	ShipToID Int     `json:"shipToID"`
	ShipTo   *ShipTo `json:"ShipTo"`
}

// ShipTo is a sale's delivery recipient: a name and a Contact with the address, like a
// customer's.
type ShipTo struct {
	ShipToID  Int      `json:"shipToID"`
	FirstName string   `json:"firstName"`
	LastName  string   `json:"lastName"`
	Company   string   `json:"company"`
	Title     string   `json:"title"`
	ShipNote  string   `json:"shipNote"`
	Shipped   Bool     `json:"shipped"`
	Contact   *Contact `json:"Contact"`
}

// Note is a free-text note (relation "Note" of a sale line or item): a line without an
// item carries its text here.
type Note struct {
	Note      string `json:"note"`
	IsPublic  Bool   `json:"isPublic"`
	TimeStamp Time   `json:"timeStamp"`
}

// SaleLine is one line of a sale. Item is set when "SaleLines.Item" was loaded.
type SaleLine struct {
	SaleLineID       Int     `json:"saleLineID"`
	SaleID           Int     `json:"saleID"`
	ItemID           Int     `json:"itemID"`
	UnitQuantity     Decimal `json:"unitQuantity"`
	UnitPrice        Decimal `json:"unitPrice"`
	NormalUnitPrice  Decimal `json:"normalUnitPrice"`
	DiscountAmount   Decimal `json:"discountAmount"`
	DiscountPercent  Decimal `json:"discountPercent"`
	Tax              Bool    `json:"tax"`
	Tax1Rate         Decimal `json:"tax1Rate"`
	Tax2Rate         Decimal `json:"tax2Rate"`
	TaxClassID       Int     `json:"taxClassID"`
	CalcLineDiscount Decimal `json:"calcLineDiscount"`
	// CalcTransactionDiscount is the line's share of a discount on the whole sale.
	CalcTransactionDiscount Decimal `json:"calcTransactionDiscount"`
	CalcSubtotal            Decimal `json:"calcSubtotal"`
	CalcTotal               Decimal `json:"calcTotal"`
	CalcTax1                Decimal `json:"calcTax1"`
	CalcTax2                Decimal `json:"calcTax2"`
	TimeStamp               Time    `json:"timeStamp"`
	// LineType is Lightspeed's kind of line where it sends one (item_fee for a fee line);
	// ItemFeeID names the fee.
	LineType  string `json:"lineType"`
	ItemFeeID Int    `json:"itemFeeID"`
	// ParentSaleLineID is the line a refund line returns (its unitQuantity is negative).
	ParentSaleLineID Int   `json:"parentSaleLineID"`
	NoteID           Int   `json:"noteID"`
	Item             *Item `json:"Item"`
	// Note is set when "SaleLines.Note" was loaded; a line without an item (itemID 0)
	// carries its text here.
	Note *Note `json:"Note"`
}

// SalePayment is one payment of a sale; PaymentType is set when loaded.
type SalePayment struct {
	SalePaymentID   Int          `json:"salePaymentID"`
	SaleID          Int          `json:"saleID"`
	PaymentTypeID   Int          `json:"paymentTypeID"`
	Amount          Decimal      `json:"amount"`
	TipAmount       Decimal      `json:"tipAmount"`
	RemoteReference string       `json:"remoteReference"`
	CreateTime      Time         `json:"createTime"`
	PaymentType     *PaymentType `json:"PaymentType"`
}

// PaymentType is a payment method (cash, credit card, …).
type PaymentType struct {
	PaymentTypeID   Int    `json:"paymentTypeID"`
	Name            string `json:"name"`
	Type            string `json:"type"`
	RequireCustomer Bool   `json:"requireCustomer"`
	Archived        Bool   `json:"archived"`
}

// Customer is a Lightspeed customer; Contact holds e-mails, addresses and phones.
type Customer struct {
	CustomerID                Int      `json:"customerID"`
	FirstName                 string   `json:"firstName"`
	LastName                  string   `json:"lastName"`
	Title                     string   `json:"title"`
	Company                   string   `json:"company"`
	CompanyRegistrationNumber string   `json:"companyRegistrationNumber"`
	VATNumber                 string   `json:"vatNumber"`
	CustomerTypeID            Int      `json:"customerTypeID"`
	ContactID                 Int      `json:"contactID"`
	Archived                  Bool     `json:"archived"`
	CreateTime                Time     `json:"createTime"`
	TimeStamp                 Time     `json:"timeStamp"`
	Contact                   *Contact `json:"Contact"`
}

// Contact is the nested contact record of a customer (or shop).
type Contact struct {
	ContactID Int                  `json:"contactID"`
	NoEmail   Bool                 `json:"noEmail"`
	NoPhone   Bool                 `json:"noPhone"`
	NoMail    Bool                 `json:"noMail"`
	Emails    List[ContactEmail]   `json:"Emails"`
	Addresses List[ContactAddress] `json:"Addresses"`
	Phones    List[ContactPhone]   `json:"Phones"`
	Websites  List[ContactWebsite] `json:"Websites"`
	TimeStamp Time                 `json:"timeStamp"`
}

// ContactEmail is one e-mail address; UseType is Primary or Secondary.
type ContactEmail struct {
	Address string `json:"address"`
	UseType string `json:"useType"`
}

// ContactAddress is one postal address.
type ContactAddress struct {
	Address1    string `json:"address1"`
	Address2    string `json:"address2"`
	City        string `json:"city"`
	State       string `json:"state"`
	StateCode   string `json:"stateCode"`
	Zip         string `json:"zip"`
	Country     string `json:"country"`
	CountryCode string `json:"countryCode"`
}

// ContactPhone is one phone number; UseType is Home, Work, Mobile, Pager or Fax.
type ContactPhone struct {
	Number  string `json:"number"`
	UseType string `json:"useType"`
}

// ContactWebsite is one web address.
type ContactWebsite struct {
	URL string `json:"url"`
}

// Item is a product (or one variant of an ItemMatrix).
type Item struct {
	ItemID          Int                    `json:"itemID"`
	SystemSku       string                 `json:"systemSku"`
	CustomSku       string                 `json:"customSku"`
	ManufacturerSku string                 `json:"manufacturerSku"`
	Description     string                 `json:"description"`
	EAN             string                 `json:"ean"`
	UPC             string                 `json:"upc"`
	ItemType        string                 `json:"itemType"`
	Archived        Bool                   `json:"archived"`
	Tax             Bool                   `json:"tax"`
	Discountable    Bool                   `json:"discountable"`
	DefaultCost     Decimal                `json:"defaultCost"`
	CategoryID      Int                    `json:"categoryID"`
	ItemMatrixID    Int                    `json:"itemMatrixID"`
	TaxClassID      Int                    `json:"taxClassID"`
	ManufacturerID  Int                    `json:"manufacturerID"`
	PublishToEcom   Bool                   `json:"publishToEcom"`
	CreateTime      Time                   `json:"createTime"`
	TimeStamp       Time                   `json:"timeStamp"`
	Prices          List[ItemPrice]        `json:"Prices"`
	ItemShops       List[ItemShop]         `json:"ItemShops"`
	ItemAttributes  *ItemAttributes        `json:"ItemAttributes"`
	ItemECommerce   *ItemECommerce         `json:"ItemECommerce"`
	CustomFields    List[CustomFieldValue] `json:"CustomFieldValues"`
}

// ItemPrice is the price of an item at one price level (Default, MSRP, Online, …).
type ItemPrice struct {
	Amount    Decimal `json:"amount"`
	UseTypeID Int     `json:"useTypeID"`
	UseType   string  `json:"useType"`
}

// ItemShop is an item's stock in one shop; shopID 0 is the derived all-shops summary.
type ItemShop struct {
	ItemShopID   Int     `json:"itemShopID"`
	ItemID       Int     `json:"itemID"`
	ShopID       Int     `json:"shopID"`
	QOH          Decimal `json:"qoh"`
	Sellable     Decimal `json:"sellable"`
	Backorder    Decimal `json:"backorder"`
	ReorderPoint Decimal `json:"reorderPoint"`
	ReorderLevel Decimal `json:"reorderLevel"`
	TimeStamp    Time    `json:"timeStamp"`
}

// ItemAttributes are a matrix variant's attribute values.
type ItemAttributes struct {
	Attribute1         string `json:"attribute1"`
	Attribute2         string `json:"attribute2"`
	Attribute3         string `json:"attribute3"`
	ItemAttributeSetID Int    `json:"itemAttributeSetID"`
}

// ItemECommerce holds the web shop texts of an item.
type ItemECommerce struct {
	ItemECommerceID  Int     `json:"itemECommerceID"`
	ShortDescription string  `json:"shortDescription"`
	LongDescription  string  `json:"longDescription"`
	Weight           Decimal `json:"weight"`
	ListOnStore      Bool    `json:"listOnStore"`
}

// CustomFieldValue is one custom field of an item.
type CustomFieldValue struct {
	CustomFieldValueID Int    `json:"customFieldValueID"`
	CustomFieldID      Int    `json:"customFieldID"`
	Name               string `json:"name"`
	Value              string `json:"value"`
}

// ItemMatrix is a configurable product whose variants are Items.
type ItemMatrix struct {
	ItemMatrixID       Int             `json:"itemMatrixID"`
	Description        string          `json:"description"`
	ItemType           string          `json:"itemType"`
	Archived           Bool            `json:"archived"`
	ItemAttributeSetID Int             `json:"itemAttributeSetID"`
	CategoryID         Int             `json:"categoryID"`
	TaxClassID         Int             `json:"taxClassID"`
	DefaultCost        Decimal         `json:"defaultCost"`
	Attribute1Values   Strings         `json:"attribute1Values"`
	Attribute2Values   Strings         `json:"attribute2Values"`
	Attribute3Values   Strings         `json:"attribute3Values"`
	TimeStamp          Time            `json:"timeStamp"`
	Prices             List[ItemPrice] `json:"Prices"`
	Items              List[Item]      `json:"Items"`
	ItemECommerce      *ItemECommerce  `json:"ItemECommerce"`
}

// ItemAttributeSet names up to three attributes (1 = Color/Size, 2 = Size in attribute2, …).
type ItemAttributeSet struct {
	ItemAttributeSetID Int    `json:"itemAttributeSetID"`
	Name               string `json:"name"`
	AttributeName1     string `json:"attributeName1"`
	AttributeName2     string `json:"attributeName2"`
	AttributeName3     string `json:"attributeName3"`
	System             Bool   `json:"system"`
	Archived           Bool   `json:"archived"`
}

// Category is a node of the category tree; FullPathName is "Parent/Child".
type Category struct {
	CategoryID   Int    `json:"categoryID"`
	Name         string `json:"name"`
	FullPathName string `json:"fullPathName"`
	NodeDepth    Int    `json:"nodeDepth"`
	ParentID     Int    `json:"parentID"`
	LeftNode     Int    `json:"leftNode"`
	RightNode    Int    `json:"rightNode"`
	CreateTime   Time   `json:"createTime"`
	TimeStamp    Time   `json:"timeStamp"`
}

// Shop is a physical store.
type Shop struct {
	ShopID        Int    `json:"shopID"`
	Name          string `json:"name"`
	TimeZone      string `json:"timeZone"`
	Archived      Bool   `json:"archived"`
	PriceLevelID  Int    `json:"priceLevelID"`
	TaxCategoryID Int    `json:"taxCategoryID"`
}

// PriceLevel is an account-defined price list (Default, MSRP, Online, …).
type PriceLevel struct {
	PriceLevelID Int    `json:"priceLevelID"`
	Name         string `json:"name"`
	Type         string `json:"type"`
	Archived     Bool   `json:"archived"`
}

// TaxClass classifies items for tax ("Item", "Labor", …).
type TaxClass struct {
	TaxClassID Int    `json:"taxClassID"`
	Name       string `json:"name"`
	TimeStamp  Time   `json:"timeStamp"`
}

// Register is a till in a shop.
type Register struct {
	RegisterID Int    `json:"registerID"`
	Name       string `json:"name"`
	ShopID     Int    `json:"shopID"`
	Open       Bool   `json:"open"`
}

// CustomerType is a customer classification.
type CustomerType struct {
	CustomerTypeID Int    `json:"customerTypeID"`
	Name           string `json:"name"`
	TaxCategoryID  Int    `json:"taxCategoryID"`
	DiscountID     Int    `json:"discountID"`
}

// Employee is a POS user; sales are created in an employee's name.
type Employee struct {
	EmployeeID Int    `json:"employeeID"`
	FirstName  string `json:"firstName"`
	LastName   string `json:"lastName"`
	Archived   Bool   `json:"archived"`
}

// The single-record relations below may arrive as "" when empty.

type (
	customerAlias       Customer
	contactAlias        Contact
	itemAlias           Item
	itemAttributesAlias ItemAttributes
	itemECommerceAlias  ItemECommerce
	paymentTypeAlias    PaymentType
	shipToAlias         ShipTo
	noteAlias           Note
)

// UnmarshalJSON accepts "" for an empty relation.
func (s *ShipTo) UnmarshalJSON(b []byte) error { return decodeRelation(b, (*shipToAlias)(s)) }

// UnmarshalJSON accepts "" for an empty relation.
func (n *Note) UnmarshalJSON(b []byte) error { return decodeRelation(b, (*noteAlias)(n)) }

// UnmarshalJSON accepts "" for an empty relation.
func (c *Customer) UnmarshalJSON(b []byte) error {
	return decodeRelation(b, (*customerAlias)(c))
}

// UnmarshalJSON accepts "" for an empty relation.
func (c *Contact) UnmarshalJSON(b []byte) error { return decodeRelation(b, (*contactAlias)(c)) }

// UnmarshalJSON accepts "" for an empty relation.
func (i *Item) UnmarshalJSON(b []byte) error { return decodeRelation(b, (*itemAlias)(i)) }

// UnmarshalJSON accepts "" for an empty relation.
func (a *ItemAttributes) UnmarshalJSON(b []byte) error {
	return decodeRelation(b, (*itemAttributesAlias)(a))
}

// UnmarshalJSON accepts "" for an empty relation.
func (e *ItemECommerce) UnmarshalJSON(b []byte) error {
	return decodeRelation(b, (*itemECommerceAlias)(e))
}

// UnmarshalJSON accepts "" for an empty relation.
func (p *PaymentType) UnmarshalJSON(b []byte) error {
	return decodeRelation(b, (*paymentTypeAlias)(p))
}
