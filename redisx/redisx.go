// Package redisx holds everything groupd keeps in Redis, the state that
// several groupd nodes share: ZIM rate limits (Limiter) and signature
// nonces (Nonces), a cache in front of the OpenIM token revocations
// (Revoker), and the shared backend of the read cache (CacheBackend, used by
// package storecache).
//
// Redis is never the only copy of anything that matters: revocations live
// in the database, cached reads are checked against generation tokens, and
// a rate limit or a nonce lost with Redis's data costs at most one extra
// request. A Redis that comes back with older data (restarted from an old
// snapshot, a failover to a lagging replica) is detected by its run_id and
// its cached state ignored (epoch.go). Every key starts with
// Options.Prefix, so several clusters (or test runs) can share one Redis.
//
// Failing fast: a command that fails on the network opens a short circuit
// (Options.RetryAfter) during which every call fails at once with an error
// wrapping domain.ErrUnavailable instead of waiting for a timeout again;
// the next call after it tries Redis again, so groupd recovers by itself.
package redisx

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/groupd/groupd/domain"
)

// Options configure a Client. Zero fields take the defaults.
type Options struct {
	// Prefix starts every key (default "groupd:").
	Prefix string
	// Logger receives state changes (Redis lost, Redis back); discarded when nil.
	Logger *slog.Logger
	// Timeout bounds one command, unless the URL sets read_timeout (default 500ms).
	Timeout time.Duration
	// DialTimeout bounds one connection attempt, unless the URL sets
	// dial_timeout (default 1s).
	DialTimeout time.Duration
	// RetryAfter is how long calls fail at once after a network failure
	// before Redis is tried again (default 1s).
	RetryAfter time.Duration
	// Epochs keeps the cache epoch of each Redis process (see epoch.go):
	// the database's settings table. Nil: the epoch is Redis's run_id.
	Epochs EpochStore
}

// DefaultPrefix starts every key unless Options.Prefix says otherwise.
const DefaultPrefix = "groupd:"

// Client is a Redis connection pool with a key prefix and a circuit breaker.
type Client struct {
	rdb    *redis.Client
	prefix string
	log    *slog.Logger
	retry  time.Duration
	// downUntil is the UnixNano time until which calls fail at once; 0 while Redis is up.
	downUntil atomic.Int64
	ep        epochs // epoch.go
}

// Open connects to the Redis at url (redis://[user:password@]host:port/db,
// rediss:// for TLS) and checks that it answers. An unreachable Redis is an
// error wrapping domain.ErrUnavailable.
func Open(ctx context.Context, url string, opts Options) (*Client, error) {
	o, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis: parse url: %w", err)
	}
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 500 * time.Millisecond
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = time.Second
	}
	if opts.RetryAfter <= 0 {
		opts.RetryAfter = time.Second
	}
	if o.ReadTimeout == 0 {
		o.ReadTimeout = opts.Timeout
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = opts.Timeout
	}
	if o.DialTimeout == 0 {
		o.DialTimeout = opts.DialTimeout
	}
	if o.PoolTimeout == 0 {
		o.PoolTimeout = opts.Timeout + opts.DialTimeout
	}
	// One attempt: a retry would double the wait before failing, and the
	// circuit breaker already spares the other calls.
	o.MaxRetries = -1
	o.ContextTimeoutEnabled = true
	c := &Client{prefix: opts.Prefix, log: opts.Logger, retry: opts.RetryAfter}
	c.ep.store, c.ep.setting = opts.Epochs, "redis_epoch "+opts.Prefix
	// Every connection learns the run_id of its Redis and settles the
	// cache epoch before it serves anything (epoch.go).
	userConnect := o.OnConnect
	o.OnConnect = func(ctx context.Context, cn *redis.Conn) error {
		if userConnect != nil {
			if err := userConnect(ctx, cn); err != nil {
				return err
			}
		}
		return c.onConnect(ctx, cn)
	}
	c.rdb = redis.NewClient(o)
	if err := c.rdb.Ping(ctx).Err(); err != nil {
		c.rdb.Close()
		return nil, fmt.Errorf("redis: connect to %s: %w: %w", o.Addr, domain.ErrUnavailable, err)
	}
	return c, nil
}

// Close closes the pool.
func (c *Client) Close() error { return c.rdb.Close() }

// Redis returns the underlying go-redis client (for tests and tools).
func (c *Client) Redis() *redis.Client { return c.rdb }

// Prefix returns the key prefix.
func (c *Client) Prefix() string { return c.prefix }

// key returns the full key of the parts.
func (c *Client) key(parts ...string) string {
	return c.prefix + strings.Join(parts, ":")
}

// errDown is what calls return while the circuit is open.
var errDown = errors.New("redis is unreachable; retrying shortly")

// begin fails at once while the circuit is open.
func (c *Client) begin() error {
	until := c.downUntil.Load()
	if until != 0 && time.Now().UnixNano() < until {
		return fmt.Errorf("redis: %w: %w", domain.ErrUnavailable, errDown)
	}
	return nil
}

// end records the outcome of a command: a network failure (or a Redis that
// is loading, read-only or out of memory) opens the circuit, a success
// closes it. It returns err wrapped with domain.ErrUnavailable when Redis
// failed, redis.Nil unchanged.
func (c *Client) end(err error) error {
	if err == nil || errors.Is(err, redis.Nil) {
		if c.downUntil.Load() != 0 && c.downUntil.Swap(0) != 0 {
			c.log.Info("redis reachable again")
		}
		return err
	}
	if errors.Is(err, context.Canceled) {
		return err // the caller left; says nothing about Redis
	}
	if c.downUntil.Swap(time.Now().Add(c.retry).UnixNano()) == 0 {
		c.log.Warn("redis unreachable: failing fast, retrying shortly", "retryAfter", c.retry.String(), "err", err)
	}
	return fmt.Errorf("redis: %w: %w", domain.ErrUnavailable, err)
}

// Ping checks that Redis answers, failing at once while the circuit is open.
func (c *Client) Ping(ctx context.Context) error {
	if err := c.begin(); err != nil {
		return err
	}
	return c.end(c.rdb.Ping(ctx).Err())
}

// Up reports whether the last command reached Redis (the circuit is closed).
func (c *Client) Up() bool { return c.downUntil.Load() == 0 }
