package storecache

import (
	"context"
	"slices"
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
// "m:<group>\x00<user>" (a membership, gen G:g), "ga:<group>" (its
// attributes, gen G:g).
func profileGen(id string) string { return "G:p:" + id }

func pageKey(prefix, id string, p domain.Page) string {
	return prefix + id + ":" + strconv.Itoa(p.Offset) + ":" + strconv.Itoa(p.Limit)
}

// codec is how an entry's value is stored (enc, dec), copied for a caller
// that may modify it (clone), and counted in the near cache (cost).
type codec[T any] struct {
	enc   func(T) []byte
	dec   func([]byte) (T, bool)
	clone func(T) T
	cost  func(T) int
}

var (
	groupCodec = codec[domain.Group]{encodeGroup, decodeGroup,
		func(g domain.Group) domain.Group {
			g.MutedRoles = slices.Clone(g.MutedRoles)
			return g
		},
		func(domain.Group) int { return 12 }}
	userCodec = codec[domain.User]{encodeUser, decodeUser,
		func(u domain.User) domain.User { return u }, func(domain.User) int { return 4 }}
	memberCodec = codec[domain.Member]{encodeMember, decodeMember,
		func(m domain.Member) domain.Member { return m }, func(domain.Member) int { return 7 }}
	memberPageCodec = codec[memberPage]{encodeMemberPage, decodeMemberPage,
		func(p memberPage) memberPage { return memberPage{slices.Clone(p.members), p.total} },
		func(p memberPage) int { return 1 + 7*len(p.members) }}
	attributesCodec = codec[[]domain.Attribute]{encodeAttributes, decodeAttributes,
		func(as []domain.Attribute) []domain.Attribute { return slices.Clone(as) },
		func(as []domain.Attribute) int { return 1 + 2*len(as) }}
	idPageCodec = codec[idPage]{encodeIDPage, decodeIDPage,
		func(p idPage) idPage { return idPage{slices.Clone(p.ids), p.total} },
		func(p idPage) int { return 1 + len(p.ids) }}
)

// cached returns the value of an entry whose lookup answered payload (nil
// when none valid) and tok, from the near cache or by decoding it.
// Only an entry the backend holds is served, so none outlives its TTL.
func cached[T any](c *Store, cd codec[T], key, tok string, payload []byte) (T, bool) {
	var zero T
	if payload == nil {
		return zero, false
	}
	if v, ok := c.near.get(key, tok); ok {
		return cd.clone(v.(T)), true
	}
	v, ok := cd.dec(payload)
	if !ok {
		return zero, false
	}
	c.near.put(key, tok, v, cd.cost(v))
	return cd.clone(v), true
}

// keep fills the entries of values read under tokens, and keeps them near.
func keep[T any](ctx context.Context, c *Store, cd codec[T], keys, tokens []string, values []T) {
	payloads := make([][]byte, len(values))
	for i, v := range values {
		payloads[i] = cd.enc(v)
		c.near.put(keys[i], tokens[i], cd.clone(v), cd.cost(v))
	}
	c.fill(ctx, keys, tokens, payloads)
}

// one serves the entry of p, or reads it and fills it.
func one[T any](ctx context.Context, c *Store, p Pair, cd codec[T], read func() (T, error)) (T, error) {
	hit, tokens, ok := c.lookup(ctx, []Pair{p})
	if ok {
		if v, ok := cached(c, cd, p.Key, tokens[0], hit[0]); ok {
			return v, nil
		}
	}
	v, err := read()
	if err == nil && ok {
		keep(ctx, c, cd, []string{p.Key}, tokens, []T{v})
	}
	return v, err
}

// many serves the entries of ids (keys prefix+id, generations gen(id)),
// reading only the misses with read, which answers the found ones in any
// order. Duplicates in ids are answered as read answers them.
func many[T any](ctx context.Context, c *Store, ids []string, prefix string, gen func(string) string,
	idOf func(T) string, cd codec[T], read func([]string) ([]T, error)) ([]T, error) {
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
		if v, ok := cached(c, cd, pairs[i].Key, tokens[i], hit[i]); ok {
			out = append(out, v)
			continue
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
	keys := make([]string, len(found))
	toks := make([]string, len(found))
	for i, v := range found {
		id := idOf(v)
		keys[i], toks[i] = prefix+id, tokenOf[id]
	}
	keep(ctx, c, cd, keys, toks, found)
	return append(out, found...), nil
}

// GetGroup serves a group from the cache.
func (c *Store) GetGroup(ctx context.Context, groupID string) (domain.Group, error) {
	return one(ctx, c, Pair{"g:" + groupID, groupGen(groupID)}, groupCodec,
		func() (domain.Group, error) { return c.Store.GetGroup(ctx, groupID) })
}

// GetGroups serves groups from the cache, reading only the misses.
func (c *Store) GetGroups(ctx context.Context, ids []string) ([]domain.Group, error) {
	return many(ctx, c, ids, "g:", groupGen, func(g domain.Group) string { return g.GroupID },
		groupCodec, func(ids []string) ([]domain.Group, error) { return c.Store.GetGroups(ctx, ids) })
}

// GetMember serves a membership from the cache. Only memberships that
// exist are cached; every write to a group's members bumps the group's
// generation.
func (c *Store) GetMember(ctx context.Context, groupID, userID string) (domain.Member, error) {
	return one(ctx, c, Pair{"m:" + groupID + "\x00" + userID, groupGen(groupID)}, memberCodec,
		func() (domain.Member, error) { return c.Store.GetMember(ctx, groupID, userID) })
}

// GetAttributes serves a group's attributes from the cache; every write of
// attributes bumps the group's generation.
func (c *Store) GetAttributes(ctx context.Context, groupID string) ([]domain.Attribute, error) {
	return one(ctx, c, Pair{"ga:" + groupID, groupGen(groupID)}, attributesCodec,
		func() ([]domain.Attribute, error) { return c.Store.GetAttributes(ctx, groupID) })
}

// GetUsers serves user profiles from the cache, reading only the misses.
// Only users that exist are cached: a user is never deleted, so a cached
// profile goes stale only by UpdateUser, which bumps its generation.
func (c *Store) GetUsers(ctx context.Context, ids []string) ([]domain.User, error) {
	return many(ctx, c, ids, "u:", profileGen, func(u domain.User) string { return u.UserID },
		userCodec, func(ids []string) ([]domain.User, error) { return c.Store.GetUsers(ctx, ids) })
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
