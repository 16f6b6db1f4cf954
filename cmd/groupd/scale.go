package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/openim"
	"github.com/groupd/groupd/redisx"
	"github.com/groupd/groupd/store/postgres"
	"github.com/groupd/groupd/store/sqlite"
	"github.com/groupd/groupd/storecache"
	"github.com/groupd/groupd/zim"
)

// checkScaleConfig validates --db, --redis and --redis-prefix.
func checkScaleConfig(c Config) error {
	if c.DB != "" {
		if !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://") {
			return errors.New("--db must be a postgres:// URL (leave it empty for the embedded SQLite)")
		}
		if c.Secret == "" {
			return errors.New("--db needs --secret (GROUPD_SECRET): every node on one database must sign tokens with the same admin secret")
		}
	}
	if c.Redis != "" {
		u, err := url.Parse(c.Redis)
		if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix") {
			return errors.New("--redis must be a redis://, rediss:// or unix:// URL")
		}
		if c.RedisPrefix == "" {
			return errors.New("--redis-prefix is empty")
		}
	}
	return nil
}

// backends are the store and the state the nodes of a cluster share.
//
//   - Store: embedded SQLite under --data, or PostgreSQL (--db).
//   - Read cache (storecache): in Redis with --redis; in memory for SQLite
//     without Redis (one process holds the data directory, so no other
//     writer can make it stale); none for PostgreSQL without Redis, since
//     other nodes may write to the same database.
//   - Token revocations: the data directory's file for SQLite; the
//     database for PostgreSQL, so every node sees them, behind a Redis
//     cache with --redis.
//   - ZIM rate limits and nonces: in Redis with --redis (cluster-wide),
//     else in memory (per node).
type backends struct {
	db       domain.Store // the database (health checks, Close)
	store    domain.Store // what the service uses: db, behind the cache when there is one
	revoker  openim.TokenRevoker
	zimApp   zim.Limiter // nil: zim builds its in-memory limiters
	zimGroup zim.Limiter
	nonces   zim.NonceStore
	redis    *redisx.Client
}

func (b *backends) Close() error {
	var errs []error
	if b.db != nil {
		errs = append(errs, b.db.Close())
	}
	if b.redis != nil {
		errs = append(errs, b.redis.Close())
	}
	return errors.Join(errs...)
}

// describe is the log's summary of the backends, without credentials.
func (b *backends) describe(c Config) []any {
	db := "sqlite"
	if c.DB != "" {
		db = "postgres " + redactURL(c.DB)
	}
	attrs := []any{"db", db}
	if c.Redis != "" {
		attrs = append(attrs, "redis", redactURL(c.Redis), "redisPrefix", c.RedisPrefix)
	}
	return attrs
}

func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	return u.String()
}

// openBackends opens the store and, with --redis, the shared state.
func (m *Main) openBackends(ctx context.Context) (_ *backends, err error) {
	c := m.Config
	b := &backends{}
	defer func() {
		if err != nil {
			b.Close()
		}
	}()
	if c.DB == "" {
		db, err := sqlite.Open(ctx, filepath.Join(c.DataDir, "groupd.db"), sqlite.Options{Logger: m.Logger.With("component", "sqlite")})
		if err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
		b.db = db
		// An older groupd kept force_logout state in this file; it now
		// lives in the database on every backend.
		if err := openim.ImportRevocationsFile(ctx, db, filepath.Join(c.DataDir, "openim-revoked-tokens.json")); err != nil {
			return nil, err
		}
	} else {
		db, err := postgres.Open(ctx, c.DB, postgres.Options{Logger: m.Logger.With("component", "postgres")})
		if err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
		b.db = db
	}
	b.revoker = openim.NewStoreRevoker(b.db)
	if c.DB == "" {
		// One process holds the SQLite data directory: logouts can be
		// cached in it, exactly fresh (a database read per request saved).
		b.revoker = openim.NewProcessRevoker(b.revoker, 0)
	}
	cacheLog := m.Logger.With("component", "cache")
	if c.Redis == "" {
		b.store = b.db
		if c.DB == "" {
			b.store = storecache.New(b.db, storecache.NewMemory(0), storecache.Options{Logger: cacheLog})
		}
		return b, nil
	}
	// The cache epoch of each Redis process is kept in the database, so a
	// Redis that goes back in time is never read (redisx/epoch.go).
	epochs, ok := b.db.(redisx.EpochStore)
	if !ok {
		return nil, fmt.Errorf("open redis: the store %T keeps no settings for the cache epoch", b.db)
	}
	rc, err := redisx.Open(ctx, c.Redis, redisx.Options{Prefix: c.RedisPrefix, Logger: m.Logger.With("component", "redis"), Epochs: epochs})
	if err != nil {
		return nil, fmt.Errorf("open redis: %w", err)
	}
	b.redis = rc
	b.store = storecache.New(b.db, rc.NewCacheBackend(), storecache.Options{Logger: cacheLog})
	if c.DB != "" {
		b.revoker = rc.NewRevoker(b.revoker, 0)
	}
	if l := rc.NewLimiter("zim-app", c.ZIMQPS); l != nil {
		b.zimApp = l
	}
	if l := rc.NewLimiter("zim-group", c.ZIMGroupQPS); l != nil {
		b.zimGroup = l
	}
	b.nonces = rc.NewNonces(m.Now)
	return b, nil
}
