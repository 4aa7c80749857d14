package fortnox

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	"fortspeed/clients"
)

// pageSize is Fortnox's maximum list page.
const pageSize = 500

// listPages fetches every page of a /3 list (limit=500) and hands each page's items, found
// under wrapper, to fn. It stops when @CurrentPage reaches @TotalPages, when @TotalPages is
// 0 (an empty result), or when a page comes back without MetaInformation or items.
func listPages[T any](ctx context.Context, cl *Client, c call, wrapper string, fn func([]T) error) error {
	q := url.Values{}
	for k, v := range c.query {
		q[k] = v
	}
	q.Set("limit", strconv.Itoa(pageSize))
	for page := 1; ; page++ {
		q.Set("page", strconv.Itoa(page))
		c.query = q
		var env map[string]json.RawMessage
		if err := cl.do(ctx, c, &env); err != nil {
			return err
		}
		var items []T
		if raw, ok := field(env, wrapper); ok {
			if err := json.Unmarshal(raw, &items); err != nil {
				return &clients.Error{Kind: clients.Transient, Vendor: vendor, Op: c.op,
					Message: "list items under " + wrapper + " do not match the expected shape", Err: err}
			}
		}
		if len(items) > 0 {
			if err := fn(items); err != nil {
				return err
			}
		}
		var meta Meta
		raw, ok := field(env, "MetaInformation")
		if !ok || len(items) == 0 {
			return nil
		}
		if err := json.Unmarshal(raw, &meta); err != nil {
			return &clients.Error{Kind: clients.Transient, Vendor: vendor, Op: c.op, Message: "MetaInformation does not match the expected shape", Err: err}
		}
		if meta.TotalPages == 0 || int(meta.CurrentPage) >= int(meta.TotalPages) {
			return nil
		}
		if int(meta.CurrentPage) > page {
			page = int(meta.CurrentPage)
		}
	}
}

// collect gathers every page into one slice.
func collect[T any](ctx context.Context, cl *Client, c call, wrapper string) ([]T, error) {
	var all []T
	err := listPages(ctx, cl, c, wrapper, func(page []T) error {
		all = append(all, page...)
		return nil
	})
	return all, err
}

// field looks a wrapper key up exactly, then case-insensitively.
func field(env map[string]json.RawMessage, key string) (json.RawMessage, bool) {
	if v, ok := env[key]; ok {
		return v, true
	}
	for k, v := range env {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

// single decodes {"<Wrapper>":{...}} into out.
func single[T any](ctx context.Context, cl *Client, c call, wrapper string) (T, error) {
	var zero T
	var env map[string]json.RawMessage
	if err := cl.do(ctx, c, &env); err != nil {
		return zero, err
	}
	raw, ok := field(env, wrapper)
	if !ok {
		return zero, &clients.Error{Kind: clients.Transient, Vendor: vendor, Op: c.op, Message: "response has no " + wrapper}
	}
	var out T
	if err := json.Unmarshal(raw, &out); err != nil {
		return zero, &clients.Error{Kind: clients.Transient, Vendor: vendor, Op: c.op, Message: wrapper + " does not match the expected shape", Err: err}
	}
	return out, nil
}
