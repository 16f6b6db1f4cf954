package openim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/groupd/groupd/domain"
)

// StoreRevoker keeps the token generations in the database, on every
// backend: every groupd node on one database sees a force_logout as soon
// as it is acknowledged, it survives restarts (and the loss of any cache
// in front of it, such as redisx.Revoker), and a database backup holds it.
// Each (user, platform) is a version counter of the store's version log
// under the owner kind "tk": Revoke raises it by one in a write
// transaction, Generation reads it (one point read).
type StoreRevoker struct {
	store domain.Store
}

// NewStoreRevoker returns a StoreRevoker over store.
func NewStoreRevoker(store domain.Store) *StoreRevoker { return &StoreRevoker{store: store} }

// VersionTokens is the version-log owner kind of token generations.
const VersionTokens = "tk"

func tokenOwner(userID string, platformID int) domain.VersionOwner {
	return domain.VersionOwner{Kind: VersionTokens, ID: strconv.Itoa(platformID) + "/" + userID}
}

// Generation implements TokenRevoker.
func (s *StoreRevoker) Generation(ctx context.Context, userID string, platformID int) (uint64, error) {
	st, err := s.store.VersionState(ctx, tokenOwner(userID, platformID))
	if err != nil {
		return 0, err
	}
	return uint64(max(st.Version, 0)), nil
}

// Revoke implements TokenRevoker: it returns once the new generation is
// committed.
func (s *StoreRevoker) Revoke(ctx context.Context, userID string, platformID int) error {
	return s.store.Write(ctx, func(tx domain.Tx) error {
		_, err := tx.LogVersion(ctx, tokenOwner(userID, platformID), 0, nil)
		return err
	})
}

// ImportRevocationsFile moves the force_logout state an older groupd kept
// in a JSON file ("<platform>/<user>": generation) into the store, raising
// each generation to at least the file's, then renames the file to
// path+".imported". A missing file is nothing to import.
func ImportRevocationsFile(ctx context.Context, store domain.Store, path string) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read token revocations: %w", err)
	}
	var gens map[string]uint64
	if err := json.Unmarshal(b, &gens); err != nil {
		return fmt.Errorf("parse token revocations %s: %w", path, err)
	}
	err = store.Write(ctx, func(tx domain.Tx) error {
		for key, gen := range gens {
			platform, user, ok := strings.Cut(key, "/")
			p, perr := strconv.Atoi(platform)
			if !ok || perr != nil {
				return fmt.Errorf("token revocations %s: bad key %q", path, key)
			}
			owner := tokenOwner(user, p)
			st, err := tx.VersionState(ctx, owner)
			if err != nil {
				return err
			}
			for v := max(st.Version, 0); uint64(v) < gen; v++ {
				if _, err := tx.LogVersion(ctx, owner, 0, nil); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("import token revocations: %w", err)
	}
	return os.Rename(path, path+".imported")
}

// ProcessRevoker keeps a TokenRevoker's generations in memory for a store
// that only this process writes (the embedded SQLite store: one process
// holds its data directory), so that checking a token's generation costs
// no database read. A Revoke empties the entry before and after it writes
// through, and a read that raced with any Revoke fills nothing, so the
// cache never answers a generation older than an acknowledged logout. It
// holds at most max entries; beyond them it starts over (a miss reads the
// store).
type ProcessRevoker struct {
	next TokenRevoker
	max  int

	mu       sync.RWMutex
	gens     map[string]uint64
	epoch    uint64 // raised at the start and the end of every Revoke
	revoking int    // Revokes under way: no fills meanwhile
}

// NewProcessRevoker caches next's generations, at most max of them
// (default 100,000).
func NewProcessRevoker(next TokenRevoker, max int) *ProcessRevoker {
	if max <= 0 {
		max = 100_000
	}
	return &ProcessRevoker{next: next, max: max, gens: map[string]uint64{}}
}

// Generation implements TokenRevoker.
func (p *ProcessRevoker) Generation(ctx context.Context, userID string, platformID int) (uint64, error) {
	k := revokeKey(userID, platformID)
	p.mu.RLock()
	g, ok := p.gens[k]
	epoch := p.epoch
	p.mu.RUnlock()
	if ok {
		return g, nil
	}
	g, err := p.next.Generation(ctx, userID, platformID)
	if err != nil {
		return 0, err
	}
	p.mu.Lock()
	if p.epoch == epoch && p.revoking == 0 {
		if len(p.gens) >= p.max {
			clear(p.gens)
		}
		p.gens[k] = g
	}
	p.mu.Unlock()
	return g, nil
}

// Revoke implements TokenRevoker.
func (p *ProcessRevoker) Revoke(ctx context.Context, userID string, platformID int) error {
	k := revokeKey(userID, platformID)
	p.mu.Lock()
	p.epoch++
	p.revoking++
	delete(p.gens, k)
	p.mu.Unlock()
	err := p.next.Revoke(ctx, userID, platformID)
	p.mu.Lock()
	p.epoch++
	p.revoking--
	delete(p.gens, k)
	p.mu.Unlock()
	return err
}
