package lightspeed

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// CustomersByEmail returns the customers with an e-mail address equal to email, ignoring
// case. The API filter is run first; its matches are checked again because which addresses
// it searches (Primary only, or all) is not documented.
func (c *Client) CustomersByEmail(ctx context.Context, email string) ([]Customer, error) {
	const op = "find customers by e-mail"
	email = strings.TrimSpace(email)
	if email == "" || !strings.Contains(email, "@") {
		return nil, invalid(op, "not an e-mail address")
	}
	q := url.Values{}
	q.Set("load_relations", relations("Contact"))
	q.Set("Contact.email", email)
	found, err := listAll[Customer](ctx, c, op, "Customer", "Customer", q)
	if err != nil {
		return nil, err
	}
	var out []Customer
	for _, cu := range found {
		if cu.Contact == nil {
			continue
		}
		for _, e := range cu.Contact.Emails {
			if strings.EqualFold(strings.TrimSpace(e.Address), email) {
				out = append(out, cu)
				break
			}
		}
	}
	return out, nil
}

// CustomersChangedSince returns the customers changed at or after since (every customer
// when since is zero), 100 a page, with their contacts: one listing finds the customers of
// a whole backlog by e-mail. It stops after max customers (no bound when 0) and says
// whether it read them all.
func (c *Client) CustomersChangedSince(ctx context.Context, since time.Time, max int) ([]Customer, bool, error) {
	q := url.Values{}
	q.Set("load_relations", relations("Contact"))
	if !since.IsZero() {
		q.Set("timeStamp", atOrAfter(since.Truncate(time.Second)))
	}
	return listUpTo[Customer](ctx, c, "list customers changed since", "Customer", "Customer", q, max)
}

// Customer returns one customer with its contact.
func (c *Client) Customer(ctx context.Context, id int64) (Customer, error) {
	const op = "get customer"
	path, err := idPath(op, "Customer", id)
	if err != nil {
		return Customer{}, err
	}
	q := url.Values{}
	q.Set("load_relations", relations("Contact"))
	return getOne[Customer](ctx, c, op, path, "Customer", q)
}

// CustomerInput creates or changes a customer; nil fields are left out (on update: kept).
type CustomerInput struct {
	FirstName                 *string
	LastName                  *string
	Title                     *string
	Company                   *string
	CompanyRegistrationNumber *string
	VATNumber                 *string
	CustomerTypeID            *int64
	Contact                   *ContactInput
}

// ContactInput is the nested contact. The lists replace the contact's lists when given.
// The marketing opt-outs are always sent on create (true unless set), because the API's
// default differs between its docs and its behaviour.
type ContactInput struct {
	NoEmail   *bool
	NoPhone   *bool
	NoMail    *bool
	Emails    []ContactEmail
	Phones    []ContactPhone
	Addresses []ContactAddress
}

func (in CustomerInput) wire(op string, create bool) (map[string]any, error) {
	body := map[string]any{}
	set := func(key string, v *string) {
		if v != nil {
			body[key] = *v
		}
	}
	set("firstName", in.FirstName)
	set("lastName", in.LastName)
	set("title", in.Title)
	set("company", in.Company)
	set("companyRegistrationNumber", in.CompanyRegistrationNumber)
	set("vatNumber", in.VATNumber)
	if create && blank(deref(in.FirstName)) && blank(deref(in.LastName)) && blank(deref(in.Company)) {
		return nil, invalid(op, "a customer needs a first name, last name or company")
	}
	if in.CustomerTypeID != nil {
		if *in.CustomerTypeID < 0 {
			return nil, invalid(op, "customer type id %d is not valid", *in.CustomerTypeID)
		}
		body["customerTypeID"] = *in.CustomerTypeID
	}
	if in.Contact != nil {
		contact, err := in.Contact.wire(op, create)
		if err != nil {
			return nil, err
		}
		body["Contact"] = contact
	} else if create {
		body["Contact"] = map[string]any{"noEmail": true, "noPhone": true, "noMail": true}
	}
	if len(body) == 0 {
		return nil, invalid(op, "nothing to change")
	}
	return body, nil
}

func (in ContactInput) wire(op string, create bool) (map[string]any, error) {
	m := map[string]any{}
	flag := func(key string, v *bool) {
		switch {
		case v != nil:
			m[key] = *v
		case create:
			m[key] = true
		}
	}
	flag("noEmail", in.NoEmail)
	flag("noPhone", in.NoPhone)
	flag("noMail", in.NoMail)
	if len(in.Emails) > 0 {
		used := map[string]bool{}
		for i, e := range in.Emails {
			if !strings.Contains(e.Address, "@") {
				return nil, invalid(op, "e-mail %d is not an e-mail address", i+1)
			}
			if e.UseType != "Primary" && e.UseType != "Secondary" {
				return nil, invalid(op, "e-mail %d has use type %q; want Primary or Secondary", i+1, e.UseType)
			}
			if used[e.UseType] {
				return nil, invalid(op, "two %s e-mail addresses; Lightspeed keeps one of each", e.UseType)
			}
			used[e.UseType] = true
		}
		m["Emails"] = map[string]any{"ContactEmail": in.Emails}
	}
	if len(in.Phones) > 0 {
		used := map[string]bool{}
		for i, p := range in.Phones {
			switch p.UseType {
			case "Home", "Work", "Mobile", "Pager", "Fax":
			default:
				return nil, invalid(op, "phone %d has use type %q; want Home, Work, Mobile, Pager or Fax", i+1, p.UseType)
			}
			if used[p.UseType] {
				return nil, invalid(op, "two %s phone numbers; Lightspeed keeps one of each", p.UseType)
			}
			used[p.UseType] = true
		}
		m["Phones"] = map[string]any{"ContactPhone": in.Phones}
	}
	if len(in.Addresses) > 0 {
		m["Addresses"] = map[string]any{"ContactAddress": in.Addresses}
	}
	return m, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// CreateCustomer creates a customer with its contact.
func (c *Client) CreateCustomer(ctx context.Context, in CustomerInput) (Customer, error) {
	const op = "create customer"
	body, err := in.wire(op, true)
	if err != nil {
		return Customer{}, err
	}
	return write[Customer](ctx, c, op, http.MethodPost, "Customer", "Customer", body)
}

// UpdateCustomer changes the given fields of customer id.
func (c *Client) UpdateCustomer(ctx context.Context, id int64, in CustomerInput) (Customer, error) {
	const op = "update customer"
	path, err := idPath(op, "Customer", id)
	if err != nil {
		return Customer{}, err
	}
	body, err := in.wire(op, false)
	if err != nil {
		return Customer{}, err
	}
	return write[Customer](ctx, c, op, http.MethodPut, path, "Customer", body)
}
