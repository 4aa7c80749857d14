package activities

import (
	"testing"
	"time"
)

func TestCacheExpiresAndBoundsSize(t *testing.T) {
	now := time.Unix(0, 0)
	c := NewCache[int](time.Minute, 2)
	c.now = func() time.Time { return now }
	c.Put("a", 1)
	c.Put("b", 2)
	if v, ok := c.Get("a"); !ok || v != 1 {
		t.Fatalf("fresh entry: %v %v", v, ok)
	}
	c.Put("c", 3)
	if len(c.m) != 2 {
		t.Fatalf("cache must stay within its bound, has %d", len(c.m))
	}
	if v, ok := c.Get("c"); !ok || v != 3 {
		t.Fatalf("newest entry must be kept: %v %v", v, ok)
	}
	now = now.Add(2 * time.Minute)
	if _, ok := c.Get("c"); ok {
		t.Fatal("an expired entry must not be returned")
	}
	c.Put("d", 4)
	c.Delete("d")
	if _, ok := c.Get("d"); ok {
		t.Fatal("a deleted entry must not be returned")
	}
}
