package lightspeed

import (
	"sort"
	"strings"
)

func (s *Server) createCustomerLocked(body map[string]any, now string) (int, error) {
	def := s.defs["Customer"]
	rec := blank(def)
	if err := applyFields(def, rec, body, "Contact"); err != nil {
		return 0, err
	}
	rec["archived"] = "false"
	if err := s.checkCustomerLocked(rec); err != nil {
		return 0, err
	}
	// noEmail/noPhone/noMail default to "true" (changelog 2018.12).
	c := &contact{noEmail: "true", noPhone: "true", noMail: "true"}
	if err := applyContact(c, body["Contact"]); err != nil {
		return 0, err
	}
	s.st.nextContact++
	c.id, c.timeStamp = s.st.nextContact, now
	rec["createTime"], rec["timeStamp"], rec["contactID"] = now, now, itoa(c.id)
	id := s.st.tables["Customer"].insert("customerID", rec)
	s.st.contacts[id] = c
	return id, nil
}

func (s *Server) updateCustomerLocked(id int, body map[string]any, now string) error {
	rec := s.st.get("Customer", id)
	next := copyRecord(rec)
	if err := applyFields(s.defs["Customer"], next, body, "Contact"); err != nil {
		return err
	}
	if err := s.checkCustomerLocked(next); err != nil {
		return err
	}
	if v, given := body["Contact"]; given {
		c := *s.st.contacts[id]
		if err := applyContact(&c, v); err != nil {
			return err
		}
		c.timeStamp = now
		s.st.contacts[id] = &c
	}
	next["timeStamp"] = now
	for k, v := range next {
		rec[k] = v
	}
	return nil
}

func (s *Server) checkCustomerLocked(rec record) error {
	if strings.TrimSpace(rec["firstName"]+rec["lastName"]+rec["company"]) == "" {
		return badRequest("Customer needs a firstName, lastName or company.")
	}
	return s.checkRef("Customer", "customerTypeID", rec, "CustomerType")
}

type contactList struct {
	key, wrapper string
	fields       []string
	useTypes     []string // allowed useType values, each at most once; nil: no useType
}

// contactLists describes the Contact's nested collections.
func contactLists() []contactList {
	return []contactList{
		{"Emails", "ContactEmail", []string{"address", "useType"}, []string{"Primary", "Secondary"}},
		{"Phones", "ContactPhone", []string{"number", "useType"}, []string{"Home", "Work", "Mobile", "Pager", "Fax"}},
		{"Addresses", "ContactAddress", []string{"address1", "address2", "city", "state", "stateCode", "zip", "country", "countryCode"}, nil},
		{"Websites", "ContactWebsite", []string{"url"}, nil},
	}
}

// applyContact writes a nested Contact: given sub-collections replace the old ones.
func applyContact(c *contact, v any) error {
	if v == nil {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		if str, isStr := v.(string); isStr && str == "" {
			return nil
		}
		return badRequest("Customer.Contact must be an object.")
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		x := m[k]
		switch k {
		case "noEmail", "noPhone", "noMail":
			str, err := scalarString("Contact", field{name: k, kind: kBool}, x)
			if err != nil {
				return err
			}
			if str == "" {
				str = "false"
			}
			switch k {
			case "noEmail":
				c.noEmail = str
			case "noPhone":
				c.noPhone = str
			default:
				c.noMail = str
			}
		case "custom":
			str, err := scalarString("Contact", field{name: k}, x)
			if err != nil {
				return err
			}
			c.custom = str
		case "contactID", "timeStamp":
		default:
			list, found := findContactList(k)
			if !found {
				return badRequest("Unknown field '%s' for Contact.", k)
			}
			recs, err := readContactList(list, x)
			if err != nil {
				return err
			}
			switch k {
			case "Emails":
				c.emails = recs
			case "Phones":
				c.phones = recs
			case "Addresses":
				c.addresses = recs
			case "Websites":
				c.websites = recs
			}
		}
	}
	return nil
}

func findContactList(key string) (contactList, bool) {
	for _, l := range contactLists() {
		if l.key == key {
			return l, true
		}
	}
	return contactList{}, false
}

func readContactList(l contactList, v any) ([]record, error) {
	elems, err := elements("Contact", l.key, l.wrapper, v)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	out := make([]record, 0, len(elems))
	for _, e := range elems {
		rec := record{}
		for _, f := range l.fields {
			rec[f] = ""
		}
		for k, x := range e {
			if !contains(l.fields, k) {
				return nil, badRequest("Unknown field '%s' for %s.", k, l.wrapper)
			}
			str, err := scalarString(l.wrapper, field{name: k}, x)
			if err != nil {
				return nil, err
			}
			rec[k] = str
		}
		if l.useTypes != nil {
			ut := rec["useType"]
			if ut == "" {
				ut = l.useTypes[0]
				rec["useType"] = ut
			}
			if !contains(l.useTypes, ut) {
				return nil, badRequest("%s.useType must be one of %s, got %q.", l.wrapper, strings.Join(l.useTypes, ", "), ut)
			}
			if seen[ut] {
				return nil, badRequest("%s: only one %s of useType %s is allowed.", l.key, l.wrapper, ut)
			}
			seen[ut] = true
		}
		if l.wrapper == "ContactEmail" && !strings.Contains(rec["address"], "@") {
			return nil, badRequest("ContactEmail.address %q is not an e-mail address.", rec["address"])
		}
		out = append(out, rec)
	}
	return out, nil
}
