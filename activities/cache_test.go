package activities

import (
	"sync"
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

func TestKeyLocksSerializePerKeyAndForget(t *testing.T) {
	var k KeyLocks
	var inside, most int32
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock := k.Lock("anna@example.se")
			mu.Lock()
			inside++
			if inside > most {
				most = inside
			}
			mu.Unlock()
			time.Sleep(time.Millisecond)
			mu.Lock()
			inside--
			mu.Unlock()
			unlock()
		}()
	}
	wg.Wait()
	if most != 1 {
		t.Fatalf("one holder per key at a time, saw %d", most)
	}
	other := k.Lock("b")
	done := make(chan struct{})
	go func() { k.Lock("c")(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("another key must not wait")
	}
	other()
	if len(k.locks) != 0 {
		t.Fatalf("released keys are forgotten, %d left", len(k.locks))
	}
}
