package lightspeed

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"fortspeed/clients"
)

// listAll reads every page of a list query, following @attributes.next verbatim until it is
// empty; the API's cursor (after=…) is opaque and never built here.
func listAll[T any](ctx context.Context, c *Client, op, entity, key string, q url.Values) ([]T, error) {
	out, _, err := listUpTo[T](ctx, c, op, entity, key, q, 0)
	return out, err
}

// listUpTo is listAll that stops once it holds max records (no bound when max is 0) and
// says whether it read the listing to its end.
func listUpTo[T any](ctx context.Context, c *Client, op, entity, key string, q url.Values, max int) ([]T, bool, error) {
	if q == nil {
		q = url.Values{}
	}
	q.Set("limit", fmt.Sprint(pageLimit))
	req := call{op: op, method: http.MethodGet, path: entity, query: q, list: true}
	var out []T
	seen := map[string]bool{}
	for {
		body, err := c.do(ctx, req)
		if err != nil {
			return nil, false, err
		}
		items, next, err := decodeList[T](body, key)
		if err != nil {
			return nil, false, c.decodeError(op, err)
		}
		out = append(out, items...)
		if next == "" {
			return out, true, nil
		}
		if max > 0 && len(out) >= max {
			return out, false, nil
		}
		if seen[next] {
			return nil, false, &clients.Error{Kind: clients.Transient, Vendor: vendor, Op: op,
				Message: "the API returned the same next-page link twice"}
		}
		seen[next] = true
		req = call{op: op, method: http.MethodGet, rawURL: next, list: true}
	}
}

// getOne reads one record by id.
func getOne[T any](ctx context.Context, c *Client, op, path, key string, q url.Values) (T, error) {
	var zero T
	body, err := c.do(ctx, call{op: op, method: http.MethodGet, path: path, query: q})
	if err != nil {
		return zero, err
	}
	v, err := decodeOne[T](body, key)
	if err != nil {
		return zero, c.decodeError(op, err)
	}
	return v, nil
}

// write POSTs or PUTs body and decodes the record the API answers with.
func write[T any](ctx context.Context, c *Client, op, method, path, key string, body any) (T, error) {
	var zero T
	resp, err := c.do(ctx, call{op: op, method: method, path: path, body: body})
	if err != nil {
		return zero, err
	}
	v, err := decodeOne[T](resp, key)
	if err != nil {
		return zero, c.decodeError(op, err)
	}
	return v, nil
}

// relations encodes a load_relations value: a JSON array of relation names.
func relations(names ...string) string {
	b, _ := json.Marshal(names) // a []string always marshals
	return string(b)
}

// after is a "changed since" filter: timeStamp strictly after since.
func after(since time.Time) string {
	return ">," + since.UTC().Format(time.RFC3339)
}

// timeStampWindow is the timeStamp filter of the changes at or after since and, when
// until is not zero, at or before until (between is inclusive; both to the second).
func timeStampWindow(since, until time.Time) string {
	if until.IsZero() {
		return atOrAfter(since)
	}
	return "><," + since.UTC().Format(time.RFC3339) + "," + until.UTC().Format(time.RFC3339)
}

// atOrAfter is a "changed since" filter that keeps since's own second: timeStamps are whole
// seconds and since is floored to one, so nothing stamped in that second is missed.
func atOrAfter(since time.Time) string {
	return ">=," + since.UTC().Format(time.RFC3339)
}

// checkNext refuses a next-page link that does not lead to entity in this client's own
// account: the client sends its bearer token to the link, and the link reaches it through
// the caller (a workflow's history), not straight from the answer that made it.
func (c *Client) checkNext(ctx context.Context, op, next, entity string) error {
	u, err := url.Parse(next)
	if err != nil {
		return invalid(op, "next-page link is not a URL")
	}
	base, _ := url.Parse(c.base) // checked in New
	if !sameOrigin(u, base) || u.User != nil {
		return invalid(op, "next-page link leads to %s://%s, not to %s", u.Scheme, u.Host, c.base)
	}
	acct, err := c.AccountID(ctx)
	if err != nil {
		return err
	}
	want := strings.TrimRight(base.Path, "/") + "/API/V3/Account/" + itoa(acct) + "/" + entity
	if strings.TrimSuffix(u.Path, ".json") != want {
		return invalid(op, "next-page link leads to %s, not to %s", u.Path, want+".json")
	}
	return nil
}

// sameOrigin compares scheme, host (case-insensitively) and port, the default port of the
// scheme when none is given.
func sameOrigin(a, b *url.URL) bool {
	port := func(u *url.URL) string {
		if p := u.Port(); p != "" {
			return p
		}
		if strings.EqualFold(u.Scheme, "https") {
			return "443"
		}
		return "80"
	}
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

// invalid is the error for bad input to a client method.
func invalid(op, format string, args ...any) error {
	return &clients.Error{Kind: clients.Validation, Vendor: vendor, Op: op, Message: fmt.Sprintf(format, args...)}
}

// idPath joins an entity and an id into a path, rejecting ids that cannot exist.
func idPath(op, entity string, id int64) (string, error) {
	if id <= 0 {
		return "", invalid(op, "%s id %d is not a valid id", entity, id)
	}
	return entity + "/" + itoa(id), nil
}

// trimmed reports whether s is blank.
func blank(s string) bool { return strings.TrimSpace(s) == "" }

// listIn lists the records of entity whose field is one of values, at most maxIN values a
// request (field=IN,["a","b"]), with the other parameters of extra. Values are quoted so a
// comma inside one does not split it where the API honours quotes.
func listIn[T any](ctx context.Context, c *Client, op, entity, field string, values []string, extra url.Values) ([]T, error) {
	var out []T
	for start := 0; start < len(values); start += maxIN {
		list, err := json.Marshal(values[start:min(start+maxIN, len(values))])
		if err != nil {
			return nil, invalid(op, "encode %s list: %v", field, err)
		}
		q := url.Values{}
		for k, v := range extra {
			q[k] = v
		}
		q.Set(field, "IN,"+string(list))
		records, err := listAll[T](ctx, c, op, entity, entity, q)
		if err != nil {
			return nil, err
		}
		out = append(out, records...)
	}
	return out, nil
}
