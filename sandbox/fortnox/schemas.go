package fortnox

// Resource schemas, field for field from the OpenAPI spec (contract_test.go checks them).
// readOnly marks what the real API refuses on write: @url, derived stock and prices,
// country names derived from codes, totals and server-assigned references.

import (
	"strings"

	"fortspeed/internal/countries"
)

var houseworkTypes = []string{"CONSTRUCTION", "ELECTRICITY", "GLASSMETALWORK", "GROUNDDRAINAGEWORK", "MASONRY", "PAINTINGWALLPAPERING", "HVAC", "CLEANING", "TEXTILECLOTHING", "COOKING", "SNOWPLOWING", "GARDENING", "BABYSITTING", "OTHERCARE", "TUTORING", "FURNISHING", "HOMEMAINTENANCE", "TRANSPORTATIONSERVICES", "WASHINGANDCAREOFCLOTHING", "SOLARCELLS", "STORAGESELFPRODUCEDELECTRICITY", "CHARGINGSTATIONELECTRICVEHICLE", "EMPTYHOUSEWORK", "OTHERCOSTS"}

var rowHouseworkTypes = []string{"CONSTRUCTION", "ELECTRICITY", "GLASSMETALWORK", "GROUNDDRAINAGEWORK", "MASONRY", "PAINTINGWALLPAPERING", "MOVINGSERVICES", "ITSERVICES", "CLEANING", "TEXTILECLOTHING", "SNOWPLOWING", "GARDENING", "BABYSITTING", "OTHERCARE", "OTHERCOSTS"}

// schemas holds one schema per resource; built per Server so nothing is package state
// that could be mutated.
type schemas struct {
	customer, article, order, price, priceList                     *schema
	termsOfPayment, modeOfPayment, wayOfDelivery, unit, stockPoint *schema
	currency                                                       *schema
	invoice, invoicePayment                                        *schema
}

func newSchemas() schemas {
	deliveryTypes := newSchema("", "fortnox_Customer_DefaultDeliveryTypes",
		enum("Invoice", "ELECTRONICINVOICE", "PRINT", "EMAIL", "PRINTSERVICE"),
		enum("Offer", "PRINT", "EMAIL", "PRINTSERVICE"),
		enum("Order", "PRINT", "EMAIL", "PRINTSERVICE"))
	templates := newSchema("", "fortnox_Customer_DefaultTemplates",
		str("CashInvoice", 0), str("Invoice", 0), str("Offer", 0), str("Order", 0))
	customer := newSchema("Customer", "fortnox_Customer",
		ro(str("@url", 0)), boolean("Active"), str("Address1", 1024), str("Address2", 1024),
		str("City", 1024), str("Comments", 1024), str("CostCenter", 0), ro(str("Country", 0)),
		str("CountryCode", 2), str("Currency", 3), str("CustomerNumber", 1024),
		field{name: "DefaultDeliveryTypes", kind: kObject, sub: deliveryTypes},
		field{name: "DefaultTemplates", kind: kObject, sub: templates},
		str("DeliveryAddress1", 1024), str("DeliveryAddress2", 1024), str("DeliveryCity", 1024),
		ro(str("DeliveryCountry", 1024)), str("DeliveryCountryCode", 2), str("DeliveryFax", 1024),
		str("DeliveryName", 1024), str("DeliveryPhone1", 1024), str("DeliveryPhone2", 1024),
		str("DeliveryZipCode", 10), str("Email", 1024), str("EmailInvoice", 1024),
		str("EmailInvoiceBCC", 1024), str("EmailInvoiceCC", 1024), str("EmailOffer", 1024),
		str("EmailOfferBCC", 1024), str("EmailOfferCC", 1024), str("EmailOrder", 1024),
		str("EmailOrderBCC", 1024), str("EmailOrderCC", 1024), str("ExternalReference", 1024),
		str("Fax", 1024), str("GLN", 13), str("GLNDelivery", 13), str("InvoiceAdministrationFee", 0),
		num("InvoiceDiscount"), str("InvoiceFreight", 0), str("InvoiceRemark", 1024),
		str("Name", 1024), str("OrganisationNumber", 0), str("OurReference", 50),
		str("Phone1", 1024), str("Phone2", 1024), str("PriceList", 0), str("Project", 0),
		str("SalesAccount", 4), boolean("ShowPriceVATIncluded"), str("TermsOfDelivery", 0),
		str("TermsOfPayment", 0), enum("Type", "PRIVATE", "COMPANY"), str("VATNumber", 0),
		enum("VATType", "SEVAT", "SEREVERSEDVAT", "EUREVERSEDVAT", "EUVAT", "EXPORT"),
		str("VisitingAddress", 128), str("VisitingCity", 128), ro(str("VisitingCountry", 128)),
		str("VisitingCountryCode", 2), str("VisitingZipCode", 10), str("WWW", 128),
		str("WayOfDelivery", 0), str("YourReference", 50), str("ZipCode", 10))
	article := newSchema("Article", "fortnox_Article",
		ro(str("@url", 0)), boolean("Active"), str("ArticleNumber", 50), boolean("Bulky"),
		integer("ConstructionAccount"), str("CostCalculationMethod", 0),
		str("DefaultStockLocation", 0), str("DefaultStockPoint", 0), integer("Depth"),
		str("Description", 200), num("DirectCost"), ro(num("DisposableQuantity")), str("EAN", 30),
		integer("EUAccount"), integer("EUVATAccount"), boolean("Expired"), integer("ExportAccount"),
		num("FreightCost"), integer("Height"), boolean("Housework"),
		field{name: "HouseworkType", kind: kString, enum: houseworkTypes},
		str("Manufacturer", 50), str("ManufacturerArticleNumber", 50), str("Note", 10000),
		num("OtherCost"), integer("PurchaseAccount"), num("PurchasePrice"), num("QuantityInStock"),
		ro(num("ReservedQuantity")), integer("SalesAccount"), ro(num("SalesPrice")),
		integer("StockAccount"), integer("StockChangeAccount"), boolean("StockGoods"),
		str("StockPlace", 100), ro(num("StockValue")), num("StockWarning"),
		ro(str("SupplierName", 0)), str("SupplierNumber", 0), enum("Type", "STOCK", "SERVICE"),
		str("Unit", 0), num("VAT"), boolean("WebshopArticle"), integer("Weight"), integer("Width"))
	row := newSchema("", "fortnox_Order_OrderRow",
		integer("AccountNumber"), str("ArticleNumber", 0),
		ro(field{name: "ContributionPercent", kind: kNumStr}), ro(field{name: "ContributionValue", kind: kNumStr}),
		str("CostCenter", 0), field{name: "DeliveredQuantity", kind: kNumStr}, str("Description", 0),
		num("Discount"), enum("DiscountType", "AMOUNT", "PERCENT"), boolean("HouseWork"),
		integer("HouseWorkHoursToReport"), field{name: "HouseWorkType", kind: kString, enum: rowHouseworkTypes},
		field{name: "OrderedQuantity", kind: kNumStr}, num("Price"), str("Project", 0),
		ro(field{name: "ReservedQuantity", kind: kNumStr}), integer("RowId"), str("StockPointCode", 0),
		str("StockPointId", 0), ro(num("Total")), str("Unit", 0), num("VAT"), str("VATCode", 0))
	label := newSchema("", "fortnox_Order_Label", integer("Id"))
	email := newSchema("", "fortnox_Order_EmailInformation",
		str("EmailAddressBCC", 0), str("EmailAddressCC", 0), str("EmailAddressFrom", 0),
		str("EmailAddressTo", 0), str("EmailBody", 0), str("EmailSubject", 0))
	order := newSchema("Order", "fortnox_Order",
		ro(str("@url", 0)), ro(str("@urlTaxReductionList", 0)), str("Address1", 0), str("Address2", 0),
		ro(num("AdministrationFee")), ro(num("AdministrationFeeVAT")), ro(num("BasisTaxReduction")),
		ro(boolean("Cancelled")), str("City", 0), str("Comments", 0), ro(num("ContributionPercent")),
		ro(num("ContributionValue")), boolean("CopyRemarks"), str("CostCenter", 0), str("Country", 0),
		str("Currency", 3), num("CurrencyRate"), num("CurrencyUnit"), str("CustomerName", 0),
		str("CustomerNumber", 0), str("DeliveryAddress1", 0), str("DeliveryAddress2", 0),
		str("DeliveryCity", 0), str("DeliveryCountry", 0), date("DeliveryDate"), str("DeliveryName", 0),
		enum("DeliveryState", "registration", "reservation", "delivery"), str("DeliveryZipCode", 0),
		ro(str("DocumentNumber", 0)), field{name: "EmailInformation", kind: kObject, sub: email},
		str("ExternalInvoiceReference1", 0), str("ExternalInvoiceReference2", 0), num("Freight"),
		ro(num("FreightVAT")), ro(num("Gross")), boolean("HouseWork"), ro(str("InvoiceReference", 0)),
		field{name: "Labels", kind: kRows, sub: label}, str("Language", 0), ro(num("Net")),
		boolean("NotCompleted"), ro(str("OfferReference", 0)), date("OrderDate"),
		field{name: "OrderRows", kind: kRows, sub: row}, str("OrderType", 0),
		str("OrganisationNumber", 0), str("OurReference", 50), date("OutboundDate"), str("Phone1", 0),
		str("Phone2", 0), str("PriceList", 0), str("PrintTemplate", 0), str("Project", 0),
		str("Remarks", 1024), ro(num("RoundOff")), ro(boolean("Sent")), str("StockPointCode", 0),
		str("StockPointId", 0), ro(num("TaxReduction")), enum("TaxReductionType", "none", "rot", "rut", "green"),
		str("TermsOfDelivery", 0), str("TermsOfPayment", 0), ro(integer("TimeBasisReference")),
		ro(num("Total")), ro(num("TotalToPay")), ro(num("TotalVAT")), boolean("VATIncluded"),
		ro(boolean("WarehouseReady")), str("WayOfDelivery", 0), str("YourOrderNumber", 75),
		str("YourReference", 50), str("ZipCode", 0))
	price := newSchema("Price", "fortnox_Price",
		ro(str("@url", 0)), str("ArticleNumber", 0), ro(str("Date", 0)), num("FromQuantity"),
		num("Percent"), num("Price"), str("PriceList", 0))
	priceList := newSchema("PriceList", "fortnox_PriceList",
		ro(str("@url", 0)), str("Code", 100), str("Comments", 0), str("Description", 50), boolean("PreSelected"))
	terms := newSchema("TermsOfPayment", "fortnox_TermsOfPayment",
		ro(str("@url", 0)), str("Code", 25), str("Description", 0))
	modes := newSchema("ModeOfPayment", "fortnox_ModeOfPayment",
		ro(str("@url", 0)), str("AccountNumber", 4), str("Code", 0), str("Description", 0))
	ways := newSchema("WayOfDelivery", "fortnox_WayOfDelivery",
		ro(str("@url", 0)), str("Code", 50), str("Description", 100), str("DescriptionEnglish", 100))
	currency := newSchema("Currency", "fortnox_Currency",
		ro(str("@url", 0)), num("BuyRate"), str("Code", 0), date("Date"), str("Description", 0),
		boolean("IsAutomatic"), num("SellRate"), num("Unit"))
	units := newSchema("Unit", "fortnox_Unit",
		ro(str("@url", 0)), str("Code", 20), str("CodeEnglish", 100), str("Description", 100))
	location := newSchema("", "warehouse_StockLocation",
		str("code", 20), ro(str("id", 0)), str("name", 25), ro(str("stockPointId", 0)))
	stockPoint := newSchema("", "warehouse_StockPoint",
		boolean("active"), str("code", 10), str("deliveryAddress", 50), str("deliveryAddress2", 50),
		str("deliveryCity", 50), str("deliveryCountryCode", 3), str("deliveryName", 50),
		str("deliveryPhone", 50), str("deliveryZipCode", 10), ro(str("id", 0)), str("name", 25),
		field{name: "stockLocations", kind: kRows, sub: location}, boolean("usingCompanyAddress"))
	// Invoices are only made from orders here (createinvoice) and read back, so their
	// schema lists what the sandbox renders, not every field the spec has.
	invoiceRow := newSchema("", "fortnox_Invoice_InvoiceRow",
		integer("AccountNumber"), str("ArticleNumber", 0), str("CostCenter", 0),
		field{name: "DeliveredQuantity", kind: kNumStr}, str("Description", 255), num("Discount"),
		enum("DiscountType", "AMOUNT", "PERCENT"), num("Price"), str("Project", 0), integer("RowId"),
		ro(num("Total")), str("Unit", 0), integer("VAT"))
	invoice := newSchema("Invoice", "fortnox_Invoice",
		ro(str("@url", 0)), str("Address1", 0), str("Address2", 0), ro(num("Balance")), ro(boolean("Booked")),
		ro(boolean("Cancelled")), str("City", 1024), str("Country", 0), ro(str("Credit", 0)), str("Currency", 0),
		str("CustomerName", 0), str("CustomerNumber", 0), str("DeliveryAddress1", 1024),
		str("DeliveryAddress2", 1024), str("DeliveryCity", 1024), str("DeliveryCountry", 0), date("DeliveryDate"),
		str("DeliveryName", 1024), str("DeliveryZipCode", 1024), ro(str("DocumentNumber", 0)), date("DueDate"),
		str("ExternalInvoiceReference1", 80), str("ExternalInvoiceReference2", 80), ro(date("FinalPayDate")),
		ro(num("Gross")), date("InvoiceDate"), field{name: "InvoiceRows", kind: kRows, sub: invoiceRow},
		enum("InvoiceType", "INVOICE", "AGREEMENTINVOICE", "INTRESTINVOICE", "SUMMARYINVOICE", "CASHINVOICE"),
		ro(num("Net")), ro(str("OrderReference", 0)), str("OurReference", 50), enum("PaymentWay", "CASH", "CARD", "AG", ""),
		str("PriceList", 0), str("Remarks", 1024), ro(num("RoundOff")), str("TermsOfPayment", 0), ro(num("Total")),
		ro(num("TotalToPay")), ro(num("TotalVAT")), boolean("VATIncluded"), str("WayOfDelivery", 0),
		str("YourOrderNumber", 75), str("YourReference", 50), str("ZipCode", 1024))
	writeOff := newSchema("", "fortnox_InvoicePayment_WriteOff",
		integer("AccountNumber"), num("Amount"), str("CostCenter", 0), str("Currency", 3),
		str("Description", 0), str("Project", 0), str("TransactionInformation", 0))
	invoicePayment := newSchema("InvoicePayment", "fortnox_InvoicePayment",
		ro(str("@url", 0)), num("Amount"), num("AmountCurrency"), ro(boolean("Booked")), str("Currency", 3),
		num("CurrencyRate"), num("CurrencyUnit"), ro(str("ExternalInvoiceReference1", 0)),
		ro(str("ExternalInvoiceReference2", 0)), ro(str("InvoiceCustomerName", 0)),
		ro(str("InvoiceCustomerNumber", 0)), ro(date("InvoiceDueDate")), integer("InvoiceNumber"),
		ro(str("InvoiceOCR", 0)), ro(str("InvoiceTotal", 0)), str("ModeOfPayment", 0),
		integer("ModeOfPaymentAccount"), ro(str("Number", 0)), date("PaymentDate"), ro(str("Source", 0)),
		ro(integer("VoucherNumber")), ro(str("VoucherSeries", 0)), ro(integer("VoucherYear")),
		field{name: "WriteOffs", kind: kRows, sub: writeOff})
	return schemas{customer: customer, article: article, order: order, price: price,
		priceList: priceList, termsOfPayment: terms, modeOfPayment: modes, wayOfDelivery: ways,
		unit: units, currency: currency, stockPoint: stockPoint, invoice: invoice, invoicePayment: invoicePayment}
}

// Slim list-item fields per resource (reference §3.5, §7, §9).
var (
	customerListFields = []string{"@url", "Address1", "Address2", "City", "CustomerNumber", "Email", "Name", "OrganisationNumber", "Phone1", "ZipCode"}
	articleListFields  = []string{"@url", "ArticleNumber", "Description", "DisposableQuantity", "EAN", "Housework", "PurchasePrice", "QuantityInStock", "ReservedQuantity", "SalesPrice", "StockPlace", "StockValue", "Unit", "VAT", "WebshopArticle"}
	orderListFields    = []string{"@url", "Cancelled", "Currency", "CustomerName", "CustomerNumber", "DeliveryDate", "DocumentNumber", "ExternalInvoiceReference1", "ExternalInvoiceReference2", "OrderDate", "OrderType", "Project", "Sent", "Total"}
	priceListFields    = []string{"@url", "ArticleNumber", "FromQuantity", "Price", "PriceList"}
	// invoicePaymentListFields is fortnox_InvoicePaymentListItem.
	invoicePaymentListFields = []string{"@url", "Amount", "Booked", "Currency", "CurrencyRate", "CurrencyUnit", "InvoiceNumber", "Number", "PaymentDate", "Source"}
)

// countryName is the name Fortnox gives a customer's ISO code: English, except Sweden.
func countryName(code string) (string, bool) {
	if strings.EqualFold(code, "SE") {
		return "Sverige", true
	}
	name := countries.Name(code)
	return name, name != ""
}
