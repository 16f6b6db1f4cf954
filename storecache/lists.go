package storecache

import (
	"context"

	"github.com/groupd/groupd/domain"
)

// Deep pages. A page of a long list costs the same at any depth: the
// cache slices the list's cached ID list (a group's member IDs in list
// order, a user's joined group IDs in join order; fresh by the same
// generation tokens as every entry) and reads only the page's rows. Pages
// at DeepPageOffset or deeper build the list on a miss; shallower pages
// use it only when it is cached already, so that a busy group's first
// pages never rebuild a long list after every write. Every page read is
// also an entry of its own (entries.go), filled from whichever read served
// it, so a page read again before a write costs one lookup. Filtered
// pages, and pages over MaxListPage, read the store.
const (
	DeepPageOffset = 1_000
	MaxListPage    = 1_000
)

// ListMembers serves an unfiltered page of a group's members from its page
// entry, or through the cached member ID list (see Deep pages).
func (c *Store) ListMembers(ctx context.Context, q domain.MemberQuery) ([]domain.Member, int64, error) {
	if len(q.RoleLevels) > 0 || q.Keyword != "" || !listPage(q.Page) {
		return c.Store.ListMembers(ctx, q)
	}
	p, err := one(ctx, c, Pair{pageKey("gmp:", q.GroupID, q.Page), groupGen(q.GroupID)}, memberPageCodec,
		func() (memberPage, error) {
			ms, total, err := c.memberPage(ctx, q)
			return memberPage{ms, total}, err
		})
	return p.members, p.total, err
}

// memberPage reads a page through the cached member ID list when it may.
func (c *Store) memberPage(ctx context.Context, q domain.MemberQuery) ([]domain.Member, int64, error) {
	ids, ok := c.cachedIDs(ctx, Pair{"gm:" + q.GroupID, groupGen(q.GroupID)}, q.Page.Offset >= DeepPageOffset,
		func() ([]string, error) { return c.Store.MemberUserIDs(ctx, q.GroupID) })
	if !ok {
		return c.Store.ListMembers(ctx, q)
	}
	page := pageOf(ids, q.Page)
	got, err := c.Store.GetMembers(ctx, q.GroupID, page)
	if err != nil {
		return nil, 0, err
	}
	if len(got) != len(page) { // the list changed since: read it afresh
		return c.Store.ListMembers(ctx, q)
	}
	byID := make(map[string]domain.Member, len(got))
	for _, m := range got {
		byID[m.UserID] = m
	}
	ms := make([]domain.Member, len(page))
	for i, id := range page {
		ms[i] = byID[id]
	}
	return ms, int64(len(ids)), nil
}

// JoinedGroupIDPage serves a page of a user's joined group IDs from its
// page entry, or through the cached joined-group ID list (see Deep pages).
func (c *Store) JoinedGroupIDPage(ctx context.Context, userID string, p domain.Page) ([]string, int64, error) {
	if !listPage(p) {
		return c.Store.JoinedGroupIDPage(ctx, userID, p)
	}
	pg, err := one(ctx, c, Pair{pageKey("ujp:", userID, p), userGen(userID)}, idPageCodec,
		func() (idPage, error) {
			ids, total, err := c.joinedPage(ctx, userID, p)
			return idPage{ids, total}, err
		})
	return pg.ids, pg.total, err
}

// joinedPage reads a page through the cached joined-group ID list when it may.
func (c *Store) joinedPage(ctx context.Context, userID string, p domain.Page) ([]string, int64, error) {
	ids, ok := c.cachedIDs(ctx, Pair{"uj:" + userID, userGen(userID)}, p.Offset >= DeepPageOffset,
		func() ([]string, error) { return c.Store.JoinedGroupIDs(ctx, userID) })
	if !ok {
		return c.Store.JoinedGroupIDPage(ctx, userID, p)
	}
	return append([]string{}, pageOf(ids, p)...), int64(len(ids)), nil
}

func listPage(p domain.Page) bool { return p.Offset >= 0 && p.Limit > 0 && p.Limit <= MaxListPage }

// pageOf slices ids by p.
func pageOf(ids []string, p domain.Page) []string {
	lo := min(max(p.Offset, 0), len(ids))
	return ids[lo:min(lo+p.Limit, len(ids))]
}

// cachedIDs returns the ID list of p's entry when the cache holds it at
// its current token, or, with mayBuild, reads it with read and fills the
// entry. ok is false when the caller must read the store: the backend
// failed, a write to the entity is in flight, the entry is missing and may
// not be built, or read failed (the caller meets its error again).
// The returned slice is shared and must not be modified.
func (c *Store) cachedIDs(ctx context.Context, p Pair, mayBuild bool, read func() ([]string, error)) ([]string, bool) {
	hit, tokens, ok := c.lookup(ctx, []Pair{p})
	if !ok {
		return nil, false
	}
	tok := tokens[0]
	if hit[0] != nil {
		if v, ok := c.near.get(p.Key, tok); ok {
			return v.([]string), true
		}
		if ids, ok := decodeIDs(hit[0]); ok {
			c.near.put(p.Key, tok, ids, len(ids))
			return ids, true
		}
	}
	if !mayBuild || tok == "" {
		return nil, false
	}
	ids, err := read()
	if err != nil {
		return nil, false
	}
	if ids == nil {
		ids = []string{}
	}
	c.fill(ctx, []string{p.Key}, tokens, [][]byte{encodeIDs(ids)})
	c.near.put(p.Key, tok, ids, len(ids))
	return ids, true
}
