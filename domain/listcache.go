package domain

import (
	"container/list"
	"context"
	"errors"
	"sync"
)

// Deep pages of long lists come from an in-process cache of ordered ID
// lists, validated on every read against the store, so that a page costs
// the same at any depth and every answer is exactly as fresh as the
// database (on any number of nodes sharing it, with no invalidation
// messages):
//
//   - a group's member IDs, in list order (role level descending, then join
//     order), keyed by the version of the group's member log;
//   - a user's joined-group IDs, in join order, keyed by the version of the
//     user's joined-group log.
//
// Every change of a member list (insert, delete, role change) logs a new
// version of both logs in the transaction that makes it (logMembership,
// logMemberUpdate), so a read that finds the version it cached under knows
// the list is unchanged. A read first reads the current version (one point
// read), then slices the cached list, then loads just the page's rows. A
// list is (re)built when the version moved: the version is read again after
// the build, and the list is kept only if it did not move meanwhile;
// otherwise the request takes the SQL path.
//
// Pages at offset ListCacheMinOffset or deeper use the cache, building the
// list when needed; shallower pages (an OFFSET that small is cheap in SQL)
// use it only when it already holds the list at the current version, and
// never build it, so that a busy group's first pages do not rebuild a long
// list after every write. The cache holds at most ListCacheIDs IDs in all,
// least recently used lists going first.

// Defaults of the list cache.
const (
	DefaultListCacheIDs = 1_000_000
	ListCacheMinOffset  = 1_000
	listCacheMaxPage    = 1_000 // larger pages take the SQL path
)

type listCache struct {
	max int

	mu       sync.Mutex
	total    int
	lru      *list.List // of *listEntry, most recent first
	entries  map[VersionOwner]*list.Element
	building map[VersionOwner]*listBuild
}

type listEntry struct {
	owner VersionOwner
	state VersionState
	ids   []string // never modified once cached
}

// listBuild lets concurrent readers of one cold list share one build.
type listBuild struct {
	state VersionState
	done  chan struct{}
	ids   []string
	ok    bool
	err   error
}

// newListCache returns a cache of at most maxIDs IDs; nil (no cache) when
// maxIDs < 0.
func newListCache(maxIDs int) *listCache {
	if maxIDs < 0 {
		return nil
	}
	if maxIDs == 0 {
		maxIDs = DefaultListCacheIDs
	}
	return &listCache{max: maxIDs, lru: list.New(), entries: map[VersionOwner]*list.Element{},
		building: map[VersionOwner]*listBuild{}}
}

func (s *Service) versionState(ctx context.Context, owner VersionOwner) (VersionState, error) {
	st, err := s.store.VersionState(ctx, owner)
	return st, storeErr(err, "read version")
}

// cachedIDs returns owner's list as of its current version: from the cache
// when the version matches, else built with build. ok is false when the
// list moved during the build; the caller then reads the store directly.
//
// Without mayBuild it answers only from a cached list; ok is false when
// there is none at the current version.
func (s *Service) cachedIDs(ctx context.Context, owner VersionOwner, mayBuild bool, build func(context.Context) ([]string, error)) (ids []string, ok bool, err error) {
	c := s.lists
	if !mayBuild {
		c.mu.Lock()
		_, held := c.entries[owner]
		c.mu.Unlock()
		if !held {
			return nil, false, nil // no version read for lists never paged deep
		}
	}
	st, err := s.versionState(ctx, owner)
	if err != nil {
		return nil, false, err
	}
	c.mu.Lock()
	if el, hit := c.entries[owner]; hit {
		e := el.Value.(*listEntry)
		if e.state == st {
			c.lru.MoveToFront(el)
			c.mu.Unlock()
			return e.ids, true, nil
		}
	}
	if !mayBuild {
		c.mu.Unlock()
		return nil, false, nil
	}
	if b, busy := c.building[owner]; busy && b.state == st {
		c.mu.Unlock()
		select {
		case <-b.done:
			if b.err != nil {
				return nil, false, nil // the builder's error (maybe its ctx): read the store
			}
			return b.ids, b.ok, nil
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
	}
	b := &listBuild{state: st, done: make(chan struct{}), err: errBuildAborted}
	c.building[owner] = b
	c.mu.Unlock()
	defer func() { // also when build panics: waiters must not hang
		c.mu.Lock()
		if c.building[owner] == b {
			delete(c.building, owner)
		}
		if b.ok {
			c.put(&listEntry{owner: owner, state: st, ids: b.ids})
		}
		c.mu.Unlock()
		close(b.done)
	}()

	ids, err = build(ctx)
	if err == nil {
		var after VersionState
		after, err = s.versionState(ctx, owner)
		ok = err == nil && after == st
	}
	b.ids, b.ok, b.err = ids, ok, err
	return ids, ok, err
}

var errBuildAborted = errors.New("list build aborted")

// put stores e, replacing the owner's older list, and evicts the least
// recently used lists beyond the bound. c.mu is held.
func (c *listCache) put(e *listEntry) {
	if el, ok := c.entries[e.owner]; ok {
		c.total -= len(el.Value.(*listEntry).ids)
		c.lru.Remove(el)
		delete(c.entries, e.owner)
	}
	if len(e.ids) > c.max {
		return
	}
	c.entries[e.owner] = c.lru.PushFront(e)
	c.total += len(e.ids)
	for c.total > c.max {
		last := c.lru.Back()
		old := last.Value.(*listEntry)
		c.lru.Remove(last)
		delete(c.entries, old.owner)
		c.total -= len(old.ids)
	}
}

// pageOf slices ids by p.
func pageOf(ids []string, p Page) []string {
	lo := min(max(p.Offset, 0), len(ids))
	return ids[lo:min(lo+p.Limit, len(ids))]
}

// useListCache reports whether page p may come from the list cache, and
// whether it may build the list.
func (s *Service) useListCache(p Page) (use, build bool) {
	use = s.lists != nil && p.Offset >= 0 && p.Limit > 0 && p.Limit <= listCacheMaxPage
	return use, use && p.Offset >= ListCacheMinOffset
}

// orderedMemberIDs reads a group's member IDs in list order (role level
// descending, then join order).
func (s *Service) orderedMemberIDs(groupID string) func(context.Context) ([]string, error) {
	return func(ctx context.Context) ([]string, error) {
		ids, err := s.store.MemberUserIDs(ctx, groupID)
		return ids, storeErr(err, "read member IDs")
	}
}

// membersPageFromCache answers an unfiltered deep page of a group's
// members from the list cache. ok is false when the caller must read the
// store instead.
func (s *Service) membersPageFromCache(ctx context.Context, q MemberQuery) (ms []Member, total int64, ok bool, err error) {
	use, build := s.useListCache(q.Page)
	if !use || len(q.RoleLevels) > 0 || q.Keyword != "" {
		return nil, 0, false, nil
	}
	ids, ok, err := s.cachedIDs(ctx, VersionOwner{Kind: VersionGroupMembers, ID: q.GroupID}, build, s.orderedMemberIDs(q.GroupID))
	if err != nil || !ok {
		return nil, 0, false, err
	}
	page := pageOf(ids, q.Page)
	got, err := s.store.GetMembers(ctx, q.GroupID, page)
	if err != nil {
		return nil, 0, false, storeErr(err, "read members")
	}
	if len(got) != len(page) {
		return nil, 0, false, nil // the list changed since: read it afresh
	}
	byID := make(map[string]Member, len(got))
	for _, m := range got {
		byID[m.UserID] = m
	}
	ms = make([]Member, len(page))
	for i, id := range page {
		ms[i] = byID[id]
	}
	return ms, int64(len(ids)), true, nil
}

// joinedPageFromCache answers a deep page of a user's joined groups from
// the list cache: the page's group IDs and the total.
func (s *Service) joinedPageFromCache(ctx context.Context, userID string, p Page) (groupIDs []string, total int64, ok bool, err error) {
	use, build := s.useListCache(p)
	if !use {
		return nil, 0, false, nil
	}
	ids, ok, err := s.cachedIDs(ctx, VersionOwner{Kind: VersionUserGroups, ID: userID}, build, func(ctx context.Context) ([]string, error) {
		ids, err := s.store.JoinedGroupIDs(ctx, userID)
		return ids, storeErr(err, "read joined group IDs")
	})
	if err != nil || !ok {
		return nil, 0, false, err
	}
	return pageOf(ids, p), int64(len(ids)), true, nil
}
