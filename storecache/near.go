package storecache

import "sync"

// near keeps decoded entries in process, each under the token of the
// entry it was decoded from or filled as. A value is only asked for when
// lookup has just found the entry valid under that token: the same token
// means no write since the value was read, so the value is the entry's,
// and the near cache saves decoding it (for the Memory backend, most of a
// hit's cost). Freshness and expiry stay the backend's.
//
// Values are shared: ID lists are never modified by readers, and the typed
// entries (entries.go) hand out copies.
type near struct {
	mu    sync.Mutex
	max   int // cost of all values, in strings
	total int
	m     map[string]nearValue
}

type nearValue struct {
	tok  string
	v    any
	cost int
}

// DefaultNearIDs bounds the near cache: about 40 MB of short strings.
const DefaultNearIDs = 1_000_000

func newNear(max int) *near {
	if max <= 0 {
		max = DefaultNearIDs
	}
	return &near{max: max, m: map[string]nearValue{}}
}

func (n *near) get(key, tok string) (any, bool) {
	if tok == "" {
		return nil, false
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	e, ok := n.m[key]
	return e.v, ok && e.tok == tok
}

func (n *near) put(key, tok string, v any, cost int) {
	cost = max(cost, 1)
	if tok == "" || cost > n.max {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if old, ok := n.m[key]; ok {
		n.total -= old.cost
		delete(n.m, key)
	}
	for k, e := range n.m { // over the bound: forget values, any order
		if n.total+cost <= n.max {
			break
		}
		delete(n.m, k)
		n.total -= e.cost
	}
	n.m[key] = nearValue{tok: tok, v: v, cost: cost}
	n.total += cost
}
