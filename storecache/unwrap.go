package storecache

import "github.com/groupd/groupd/domain"

// Unwrap returns the wrapped store, so that the domain can find optional
// capabilities on it (domain.Unwrapper). They read the database directly,
// which is never staler than the cache.
func (c *Store) Unwrap() domain.Store { return c.Store }
