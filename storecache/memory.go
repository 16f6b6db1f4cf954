package storecache

import (
	"context"
	"sync"
	"time"
)

// Memory is an in-process Backend for a single groupd node. It is correct
// only while no other process writes to the same database: cmd/groupd uses
// it for the embedded SQLite store, whose data directory one process holds
// locked. It never fails. When it holds more than its bound, it forgets
// entries (and tokens: a forgotten token is a miss, never a wrong answer).
type Memory struct {
	mu      sync.Mutex
	max     int
	now     func() time.Time
	entries map[string]memEntry
	tokens  map[string]string
}

type memEntry struct {
	v   []byte
	exp time.Time
}

// NewMemory returns a Memory holding at most max entries and max tokens
// (default 100,000 each).
func NewMemory(max int) *Memory {
	if max <= 0 {
		max = 100_000
	}
	return &Memory{max: max, now: time.Now, entries: map[string]memEntry{}, tokens: map[string]string{}}
}

// Lookup implements Backend.
func (m *Memory) Lookup(_ context.Context, pairs []Pair) ([][]byte, []string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	entries := make([][]byte, len(pairs))
	tokens := make([]string, len(pairs))
	for i, p := range pairs {
		if e, ok := m.entries[p.Key]; ok {
			if now.Before(e.exp) {
				entries[i] = e.v
			} else {
				delete(m.entries, p.Key)
			}
		}
		tok, ok := m.tokens[p.Gen]
		if !ok {
			m.shrinkTokens()
			tok = NewToken()
			m.tokens[p.Gen] = tok
		}
		tokens[i] = tok
	}
	return entries, tokens, nil
}

// Fill implements Backend.
func (m *Memory) Fill(_ context.Context, keys []string, entries [][]byte, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	exp := m.now().Add(ttl)
	for i, k := range keys {
		if len(m.entries) >= m.max {
			m.shrinkEntries()
		}
		m.entries[k] = memEntry{v: entries[i], exp: exp}
	}
	return nil
}

// Mark implements Backend. Markers do not expire in memory: the Bump after
// every Write, which cannot fail here, replaces them.
func (m *Memory) Mark(_ context.Context, gens []string, marker string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, g := range gens {
		m.shrinkTokens()
		m.tokens[g] = marker
	}
	return nil
}

// Bump implements Backend.
func (m *Memory) Bump(_ context.Context, gens []string, marker string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, g := range gens {
		if cur, ok := m.tokens[g]; ok && IsMarker(cur) && cur != marker {
			continue // another writer's, in flight
		}
		m.shrinkTokens()
		m.tokens[g] = NewToken()
	}
	return nil
}

// shrinkEntries drops expired entries, then any, until a quarter is free.
func (m *Memory) shrinkEntries() {
	now := m.now()
	for k, e := range m.entries {
		if !now.Before(e.exp) {
			delete(m.entries, k)
		}
	}
	for k := range m.entries {
		if len(m.entries) <= m.max*3/4 {
			break
		}
		delete(m.entries, k)
	}
}

// shrinkTokens makes room for one token by forgetting a quarter of them
// when full (never a marker). Forgetting a token invalidates the entries
// tagged with it.
func (m *Memory) shrinkTokens() {
	if len(m.tokens) < m.max {
		return
	}
	for k, tok := range m.tokens {
		if len(m.tokens) <= m.max*3/4 {
			break
		}
		if !IsMarker(tok) { // a write in flight keeps its marker
			delete(m.tokens, k)
		}
	}
}
