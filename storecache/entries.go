package storecache

import (
	"context"
	"strconv"

	"github.com/groupd/groupd/domain"
)

// Entries by ID (groups, user profiles) and first pages (a group's member
// page, a user's joined-group page). Each is filled from one database read
// under the token its lookup returned, like every entry (see the package
// doc); a page entry holds the page and its total, read together.
//
// Keys: "g:<group>" (gen G:g), "u:<user>" (a profile, gen G:p),
// "gmp:<group>:<offset>:<limit>" (a member page, gen G:g),
// "ujp:<user>:<offset>:<limit>" (a joined-group ID page, gen G:u),
// "m:<group>\x00<user>" (a membership, gen G:g).
func profileGen(id string) string { return "G:p:" + id }

func pageKey(prefix, id string, p domain.Page) string {
	return prefix + id + ":" + strconv.Itoa(p.Offset) + ":" + strconv.Itoa(p.Limit)
}

// one serves the entry of p, or reads it and fills it.
func one[T any](ctx context.Context, c *Store, p Pair, dec func([]byte) (T, bool), enc func(T) []byte, read func() (T, error)) (T, error) {
	hit, tokens, ok := c.lookup(ctx, []Pair{p})
	if ok && hit[0] != nil {
		if v, ok := dec(hit[0]); ok {
			return v, nil
		}
	}
	v, err := read()
	if err == nil && ok {
		c.fill(ctx, []string{p.Key}, tokens, [][]byte{enc(v)})
	}
	return v, err
}

// many serves the entries of ids (keys prefix+id, generations gen(id)),
// reading only the misses with read, which answers the found ones in any
// order. Duplicates in ids are answered as read answers them.
func many[T any](ctx context.Context, c *Store, ids []string, prefix string, gen func(string) string,
	idOf func(T) string, dec func([]byte) (T, bool), enc func(T) []byte, read func([]string) ([]T, error)) ([]T, error) {
	if len(ids) == 0 {
		return read(ids)
	}
	pairs := make([]Pair, len(ids))
	for i, id := range ids {
		pairs[i] = Pair{prefix + id, gen(id)}
	}
	hit, tokens, ok := c.lookup(ctx, pairs)
	if !ok {
		return read(ids)
	}
	out := make([]T, 0, len(ids))
	var missing []string
	tokenOf := make(map[string]string)
	for i, id := range ids {
		if hit[i] != nil {
			if v, ok := dec(hit[i]); ok {
				out = append(out, v)
				continue
			}
		}
		if _, dup := tokenOf[id]; !dup {
			missing = append(missing, id)
		}
		tokenOf[id] = tokens[i]
	}
	if len(missing) == 0 {
		return out, nil
	}
	found, err := read(missing)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(found))
	toks := make([]string, 0, len(found))
	payloads := make([][]byte, 0, len(found))
	for _, v := range found {
		out = append(out, v)
		id := idOf(v)
		keys, toks, payloads = append(keys, prefix+id), append(toks, tokenOf[id]), append(payloads, enc(v))
	}
	c.fill(ctx, keys, toks, payloads)
	return out, nil
}

// GetGroup serves a group from the cache.
func (c *Store) GetGroup(ctx context.Context, groupID string) (domain.Group, error) {
	return one(ctx, c, Pair{"g:" + groupID, groupGen(groupID)}, decodeGroup, encodeGroup,
		func() (domain.Group, error) { return c.Store.GetGroup(ctx, groupID) })
}

// GetGroups serves groups from the cache, reading only the misses.
func (c *Store) GetGroups(ctx context.Context, ids []string) ([]domain.Group, error) {
	return many(ctx, c, ids, "g:", groupGen, func(g domain.Group) string { return g.GroupID },
		decodeGroup, encodeGroup, func(ids []string) ([]domain.Group, error) { return c.Store.GetGroups(ctx, ids) })
}

// GetMember serves a membership from the cache. Only memberships that
// exist are cached; every write to a group's members bumps the group's
// generation.
func (c *Store) GetMember(ctx context.Context, groupID, userID string) (domain.Member, error) {
	return one(ctx, c, Pair{"m:" + groupID + "\x00" + userID, groupGen(groupID)}, decodeMember, encodeMember,
		func() (domain.Member, error) { return c.Store.GetMember(ctx, groupID, userID) })
}

// GetUsers serves user profiles from the cache, reading only the misses.
// Only users that exist are cached: a user is never deleted, so a cached
// profile goes stale only by UpdateUser, which bumps its generation.
func (c *Store) GetUsers(ctx context.Context, ids []string) ([]domain.User, error) {
	return many(ctx, c, ids, "u:", profileGen, func(u domain.User) string { return u.UserID },
		decodeUser, encodeUser, func(ids []string) ([]domain.User, error) { return c.Store.GetUsers(ctx, ids) })
}

// memberPage is a page of members with the group's member total.
type memberPage struct {
	members []domain.Member
	total   int64
}

// idPage is a page of IDs with the list's total.
type idPage struct {
	ids   []string
	total int64
}
