package fortnox

// Response types decode tolerantly (see flex.go) and ignore unknown fields. Input types are
// what a request may carry: pointers with omitempty, so a PUT stays partial, and no
// read-only field (totals, SalesPrice, stock, Country) can be sent by mistake.

// Meta is Fortnox's list envelope header.
type Meta struct {
	TotalResources Int `json:"@TotalResources"`
	TotalPages     Int `json:"@TotalPages"`
	CurrentPage    Int `json:"@CurrentPage"`
}

// EmailInformation is the e-mail block of an order.
type EmailInformation struct {
	EmailAddressFrom string `json:"EmailAddressFrom,omitempty"`
	EmailAddressTo   string `json:"EmailAddressTo,omitempty"`
	EmailAddressCC   string `json:"EmailAddressCC,omitempty"`
	EmailAddressBCC  string `json:"EmailAddressBCC,omitempty"`
	EmailSubject     string `json:"EmailSubject,omitempty"`
	EmailBody        string `json:"EmailBody,omitempty"`
}

// Order is a full order (GET /3/orders/{DocumentNumber}).
type Order struct {
	DocumentNumber            Text             `json:"DocumentNumber"`
	CustomerNumber            Text             `json:"CustomerNumber"`
	CustomerName              string           `json:"CustomerName"`
	Address1                  string           `json:"Address1"`
	Address2                  string           `json:"Address2"`
	ZipCode                   Text             `json:"ZipCode"`
	City                      string           `json:"City"`
	Country                   string           `json:"Country"` // a country name; "Sverige" for Sweden
	DeliveryName              string           `json:"DeliveryName"`
	DeliveryAddress1          string           `json:"DeliveryAddress1"`
	DeliveryAddress2          string           `json:"DeliveryAddress2"`
	DeliveryZipCode           Text             `json:"DeliveryZipCode"`
	DeliveryCity              string           `json:"DeliveryCity"`
	DeliveryCountry           string           `json:"DeliveryCountry"`
	EmailInformation          EmailInformation `json:"EmailInformation"`
	OrderDate                 string           `json:"OrderDate"`    // YYYY-MM-DD
	DeliveryDate              string           `json:"DeliveryDate"` // YYYY-MM-DD or ""
	Currency                  string           `json:"Currency"`
	TermsOfPayment            Text             `json:"TermsOfPayment"`
	WayOfDelivery             Text             `json:"WayOfDelivery"`
	PriceList                 Text             `json:"PriceList"`
	ExternalInvoiceReference1 Text             `json:"ExternalInvoiceReference1"`
	ExternalInvoiceReference2 Text             `json:"ExternalInvoiceReference2"`
	YourReference             string           `json:"YourReference"`
	YourOrderNumber           Text             `json:"YourOrderNumber"`
	OurReference              string           `json:"OurReference"`
	Remarks                   string           `json:"Remarks"`
	Cancelled                 Bool             `json:"Cancelled"`
	InvoiceReference          Text             `json:"InvoiceReference"` // "0" or "" until invoiced
	Sent                      Bool             `json:"Sent"`
	VATIncluded               Bool             `json:"VATIncluded"`
	Total                     Num              `json:"Total"`
	TotalVAT                  Num              `json:"TotalVAT"`
	TotalToPay                Num              `json:"TotalToPay"`
	OrderRows                 []OrderRow       `json:"OrderRows"`
}

// OrderRow is one line of an order.
type OrderRow struct {
	RowID             Int    `json:"RowId"`
	ArticleNumber     Text   `json:"ArticleNumber"`
	Description       string `json:"Description"`
	OrderedQuantity   Num    `json:"OrderedQuantity"`
	DeliveredQuantity Num    `json:"DeliveredQuantity"`
	ReservedQuantity  Num    `json:"ReservedQuantity"`
	Price             Num    `json:"Price"`
	VAT               Num    `json:"VAT"`
	Discount          Num    `json:"Discount"`
	DiscountType      string `json:"DiscountType"`
	Unit              Text   `json:"Unit"`
	Total             Num    `json:"Total"`
}

// OrderListItem is the slim order of GET /3/orders.
type OrderListItem struct {
	DocumentNumber            Text   `json:"DocumentNumber"`
	CustomerNumber            Text   `json:"CustomerNumber"`
	CustomerName              string `json:"CustomerName"`
	OrderDate                 string `json:"OrderDate"`
	DeliveryDate              string `json:"DeliveryDate"`
	Currency                  string `json:"Currency"`
	ExternalInvoiceReference1 Text   `json:"ExternalInvoiceReference1"`
	ExternalInvoiceReference2 Text   `json:"ExternalInvoiceReference2"`
	Cancelled                 Bool   `json:"Cancelled"`
	Sent                      Bool   `json:"Sent"`
	Total                     Num    `json:"Total"`
}

// OrderInput creates an order. CustomerNumber is required; Country and DeliveryCountry are
// country names ("Sverige" for Sweden). Totals are computed by Fortnox and cannot be sent.
type OrderInput struct {
	CustomerNumber            string            `json:"CustomerNumber"`
	CustomerName              *string           `json:"CustomerName,omitempty"`
	Address1                  *string           `json:"Address1,omitempty"`
	Address2                  *string           `json:"Address2,omitempty"`
	ZipCode                   *string           `json:"ZipCode,omitempty"`
	City                      *string           `json:"City,omitempty"`
	Country                   *string           `json:"Country,omitempty"`
	DeliveryName              *string           `json:"DeliveryName,omitempty"`
	DeliveryAddress1          *string           `json:"DeliveryAddress1,omitempty"`
	DeliveryAddress2          *string           `json:"DeliveryAddress2,omitempty"`
	DeliveryZipCode           *string           `json:"DeliveryZipCode,omitempty"`
	DeliveryCity              *string           `json:"DeliveryCity,omitempty"`
	DeliveryCountry           *string           `json:"DeliveryCountry,omitempty"`
	EmailInformation          *EmailInformation `json:"EmailInformation,omitempty"`
	OrderDate                 *string           `json:"OrderDate,omitempty"`
	DeliveryDate              *string           `json:"DeliveryDate,omitempty"`
	Currency                  *string           `json:"Currency,omitempty"`
	TermsOfPayment            *string           `json:"TermsOfPayment,omitempty"`
	WayOfDelivery             *string           `json:"WayOfDelivery,omitempty"`
	PriceList                 *string           `json:"PriceList,omitempty"`
	ExternalInvoiceReference1 *string           `json:"ExternalInvoiceReference1,omitempty"`
	ExternalInvoiceReference2 *string           `json:"ExternalInvoiceReference2,omitempty"`
	YourReference             *string           `json:"YourReference,omitempty"`
	YourOrderNumber           *string           `json:"YourOrderNumber,omitempty"`
	OurReference              *string           `json:"OurReference,omitempty"`
	Remarks                   *string           `json:"Remarks,omitempty"`
	VATIncluded               *bool             `json:"VATIncluded,omitempty"`
	OrderRows                 []OrderRowInput   `json:"OrderRows,omitempty"`
}

// OrderRowInput is one line of a new order.
type OrderRowInput struct {
	ArticleNumber     *string `json:"ArticleNumber,omitempty"`
	Description       *string `json:"Description,omitempty"`
	OrderedQuantity   *Num    `json:"OrderedQuantity,omitempty"`
	DeliveredQuantity *Num    `json:"DeliveredQuantity,omitempty"`
	Price             *Num    `json:"Price,omitempty"`
	VAT               *Num    `json:"VAT,omitempty"`
	Discount          *Num    `json:"Discount,omitempty"`
	DiscountType      *string `json:"DiscountType,omitempty"` // PERCENT or AMOUNT
	Unit              *string `json:"Unit,omitempty"`
	// AccountNumber is the sales account of a row; a row without an article needs one
	// (Fortnox defaults it from the article otherwise).
	AccountNumber *int64 `json:"AccountNumber,omitempty"`
}

// Customer is a full customer (GET /3/customers/{CustomerNumber}).
type Customer struct {
	CustomerNumber      Text   `json:"CustomerNumber"`
	Name                string `json:"Name"`
	Type                string `json:"Type"` // PRIVATE or COMPANY
	OrganisationNumber  Text   `json:"OrganisationNumber"`
	Email               string `json:"Email"`
	Phone1              Text   `json:"Phone1"`
	Address1            string `json:"Address1"`
	Address2            string `json:"Address2"`
	ZipCode             Text   `json:"ZipCode"`
	City                string `json:"City"`
	CountryCode         string `json:"CountryCode"`
	Country             string `json:"Country"`
	DeliveryName        string `json:"DeliveryName"`
	DeliveryAddress1    string `json:"DeliveryAddress1"`
	DeliveryAddress2    string `json:"DeliveryAddress2"`
	DeliveryZipCode     Text   `json:"DeliveryZipCode"`
	DeliveryCity        string `json:"DeliveryCity"`
	DeliveryCountry     string `json:"DeliveryCountry"` // read-only, derived from the code
	DeliveryCountryCode string `json:"DeliveryCountryCode"`
	YourReference       string `json:"YourReference"` // the contact person
	TermsOfPayment      Text   `json:"TermsOfPayment"`
	Currency            string `json:"Currency"`
	PriceList           Text   `json:"PriceList"`
	Active              Bool   `json:"Active"`
}

// CustomerListItem is the slim customer of GET /3/customers (note Phone, not Phone1).
type CustomerListItem struct {
	CustomerNumber     Text   `json:"CustomerNumber"`
	Name               string `json:"Name"`
	Email              string `json:"Email"`
	Phone              Text   `json:"Phone"`
	Address1           string `json:"Address1"`
	Address2           string `json:"Address2"`
	ZipCode            Text   `json:"ZipCode"`
	City               string `json:"City"`
	OrganisationNumber Text   `json:"OrganisationNumber"`
}

// CustomerInput creates a customer (Name required) or partially updates one.
// CountryCode is ISO alpha-2; Country is derived by Fortnox and cannot be sent.
type CustomerInput struct {
	CustomerNumber     *string `json:"CustomerNumber,omitempty"`
	Name               *string `json:"Name,omitempty"`
	Type               *string `json:"Type,omitempty"`
	OrganisationNumber *string `json:"OrganisationNumber,omitempty"`
	Email              *string `json:"Email,omitempty"`
	Phone1             *string `json:"Phone1,omitempty"`
	Address1           *string `json:"Address1,omitempty"`
	Address2           *string `json:"Address2,omitempty"`
	ZipCode            *string `json:"ZipCode,omitempty"`
	City               *string `json:"City,omitempty"`
	CountryCode        *string `json:"CountryCode,omitempty"`
	// The delivery address; DeliveryCountryCode is ISO alpha-2 like CountryCode.
	DeliveryName        *string `json:"DeliveryName,omitempty"`
	DeliveryAddress1    *string `json:"DeliveryAddress1,omitempty"`
	DeliveryAddress2    *string `json:"DeliveryAddress2,omitempty"`
	DeliveryZipCode     *string `json:"DeliveryZipCode,omitempty"`
	DeliveryCity        *string `json:"DeliveryCity,omitempty"`
	DeliveryCountryCode *string `json:"DeliveryCountryCode,omitempty"`
	YourReference       *string `json:"YourReference,omitempty"`
	TermsOfPayment      *string `json:"TermsOfPayment,omitempty"`
	Currency            *string `json:"Currency,omitempty"`
	PriceList           *string `json:"PriceList,omitempty"`
	Active              *bool   `json:"Active,omitempty"`
}

// Article is a full article (GET /3/articles/{ArticleNumber}). SalesPrice is read-only: it
// is the price of the default price list; prices are written through /3/prices.
type Article struct {
	ArticleNumber             Text   `json:"ArticleNumber"`
	Description               string `json:"Description"`
	EAN                       Text   `json:"EAN"`
	Unit                      Text   `json:"Unit"`
	VAT                       Num    `json:"VAT"`
	QuantityInStock           Num    `json:"QuantityInStock"`
	ReservedQuantity          Num    `json:"ReservedQuantity"`
	DisposableQuantity        Num    `json:"DisposableQuantity"`
	StockGoods                Bool   `json:"StockGoods"`
	Active                    Bool   `json:"Active"`
	Expired                   Bool   `json:"Expired"`
	Manufacturer              string `json:"Manufacturer"`
	ManufacturerArticleNumber Text   `json:"ManufacturerArticleNumber"`
	Note                      string `json:"Note"`
	Weight                    Num    `json:"Weight"`
	SalesPrice                Num    `json:"SalesPrice"`
	PurchasePrice             Num    `json:"PurchasePrice"`
	WebshopArticle            Bool   `json:"WebshopArticle"`
	Type                      string `json:"Type"` // STOCK or SERVICE
	StockPlace                Text   `json:"StockPlace"`
	LastModified              string `json:"LastModified"`
}

// ArticleListItem is the slim article of GET /3/articles; its numbers arrive as strings.
type ArticleListItem struct {
	ArticleNumber      Text   `json:"ArticleNumber"`
	Description        string `json:"Description"`
	EAN                Text   `json:"EAN"`
	Unit               Text   `json:"Unit"`
	VAT                Num    `json:"VAT"`
	QuantityInStock    Num    `json:"QuantityInStock"`
	ReservedQuantity   Num    `json:"ReservedQuantity"`
	DisposableQuantity Num    `json:"DisposableQuantity"`
	SalesPrice         Num    `json:"SalesPrice"`
	PurchasePrice      Num    `json:"PurchasePrice"`
	StockPlace         Text   `json:"StockPlace"`
	WebshopArticle     Bool   `json:"WebshopArticle"`
}

// Price is one price-list entry.
type Price struct {
	ArticleNumber Text `json:"ArticleNumber"`
	PriceList     Text `json:"PriceList"`
	FromQuantity  Num  `json:"FromQuantity"`
	Price         Num  `json:"Price"`
	Percent       Num  `json:"Percent"`
}

// WarehouseStatus tells whether the warehouse module (Fortnox Lager) is on.
type WarehouseStatus struct {
	Activated Bool `json:"activated"`
	TenantID  Int  `json:"tenantId"`
}

// StockPoint is a warehouse stock point.
type StockPoint struct {
	ID     string `json:"id"`
	Code   Text   `json:"code"`
	Name   string `json:"name"`
	Active Bool   `json:"active"`
}

// StockBalance is the stock of one item at one stock point; inStock − availableStock is
// reserved.
type StockBalance struct {
	ItemID         Text `json:"itemId"`
	StockPointCode Text `json:"stockPointCode"`
	AvailableStock Num  `json:"availableStock"`
	InStock        Num  `json:"inStock"`
}

// TermsOfPayment is a payment-terms code.
type TermsOfPayment struct {
	Code        Text   `json:"Code"`
	Description string `json:"Description"`
}

// ModeOfPayment is a payment-method code with its bookkeeping account.
type ModeOfPayment struct {
	Code          Text   `json:"Code"`
	Description   string `json:"Description"`
	AccountNumber Text   `json:"AccountNumber"`
}

// WayOfDelivery is a delivery-method code.
type WayOfDelivery struct {
	Code               Text   `json:"Code"`
	Description        string `json:"Description"`
	DescriptionEnglish string `json:"DescriptionEnglish"`
}

// Unit is a unit code.
type Unit struct {
	Code        Text   `json:"Code"`
	Description string `json:"Description"`
	CodeEnglish string `json:"CodeEnglish"`
}

// CompanyInformation is the tenant's company; DatabaseNumber is the tenant id.
type CompanyInformation struct {
	CompanyName        string `json:"CompanyName"`
	OrganizationNumber Text   `json:"OrganizationNumber"`
	Address            string `json:"Address"`
	ZipCode            Text   `json:"ZipCode"`
	City               string `json:"City"`
	CountryCode        string `json:"CountryCode"`
	DatabaseNumber     Int    `json:"DatabaseNumber"`
}
