package redisx

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// # The cache epoch: surviving a Redis that goes back in time
//
// A Redis restarted from an older snapshot (RDB or a stale AOF), or a
// failover to a replica that lagged, holds keys from the past: cached
// entries whose generation tokens match again, token generations from
// before a force_logout. Correctness (storecache's read cache, Revoker)
// rests on Redis never forgetting a newer value while keeping an older
// one, which such a Redis breaks.
//
// So every cache entry, generation token, write marker and cached token
// generation lives under a namespace named by an epoch ("c:<epoch>:…",
// "tokgen:<epoch>:…"), and an epoch belongs to one Redis process:
//
//   - Every new connection asks Redis for its run_id (INFO server), which
//     changes with every start of a Redis process and differs between a
//     master and its replica. When it is not the run_id this node last
//     saw, the node looks the run_id up in the database (EpochStore, the
//     settings table): the same run_id keeps its epoch; a new one gets a
//     new random epoch there, by compare-and-swap, so all nodes agree. The
//     connection then sets Redis's epoch key to that epoch before it serves
//     any command, and the node uses the new namespace from then on.
//   - A key of the old namespace that a snapshot brought back is thus never
//     read again: nothing names it. A command built with the old epoch
//     just before the node learned the new one carries its epoch and is
//     checked against Redis's epoch key in the same round trip (part of
//     the MGET of a lookup, the first step of every script): a mismatch is
//     a miss (reads go to the database and fill nothing) or a retry under
//     the new epoch (marks, bumps, revocations).
//
// The cost is one more key in the MGET of a lookup, and an INFO per new
// connection. The limits: a Redis that does not answer INFO (renamed or
// disabled) cannot be told apart after a restart (logged once at start;
// the epoch then stays fixed), nor can a restart behind a proxy that keeps
// client connections open across it (twemproxy, Envoy). Without an
// EpochStore (tests, tools) the epoch is the run_id itself.

// EpochStore is where the epoch of each Redis run_id is agreed: both
// stores' settings table.
type EpochStore interface {
	Setting(ctx context.Context, name string) (string, bool, error)
	SwapSetting(ctx context.Context, name, old, value string) (bool, error)
}

// epochState is what a node knows: the epoch in force and the run_id of
// the Redis it belongs to.
type epochState struct {
	epoch string
	runID string
}

// epochs is a Client's epoch bookkeeping.
type epochs struct {
	store   EpochStore // nil: the epoch is the run_id
	setting string     // the settings row of this prefix
	mu      sync.Mutex // one database decision at a time per node
	cur     atomic.Pointer[epochState]
	noInfo  atomic.Bool  // INFO failed once: logged
	lastFix atomic.Int64 // Unix ns of the last repair attempt
}

// errEpoch is what an operation under an epoch Redis no longer holds
// answers: never a network failure, so the circuit stays closed.
var errEpoch = errors.New("redis: the cache epoch changed (Redis restarted or was replaced); retrying under the new one")

// epoch returns the epoch in force ("" before the first connection).
func (c *Client) epoch() string {
	if s := c.ep.cur.Load(); s != nil {
		return s.epoch
	}
	return ""
}

// Epoch returns the cache epoch in force (for tests and tools).
func (c *Client) Epoch() string { return c.epoch() }

func (c *Client) epochKey() string { return c.key("epoch") }

// onConnect validates a new connection: it learns the run_id of the Redis
// behind it, settles the epoch of that run_id, and sets Redis's epoch key
// on this very connection before it serves anything.
func (c *Client) onConnect(ctx context.Context, cn *redis.Conn) error {
	return c.validate(ctx, cn, false)
}

// validate settles the epoch of the Redis behind cn. With force it also
// rewrites Redis's epoch key when the run_id is the one already known (a
// repair after the key was evicted or flushed).
func (c *Client) validate(ctx context.Context, cn *redis.Conn, force bool) error {
	runID, err := serverRunID(ctx, cn)
	if err != nil {
		var rerr redis.Error
		if !errors.As(err, &rerr) {
			return err // the network: the connection is not used
		}
		// INFO refused (renamed or disabled): restarts cannot be told
		// apart; one fixed epoch.
		if c.ep.noInfo.CompareAndSwap(false, true) {
			c.log.Warn("redis does not answer INFO: a restart of Redis from an older snapshot cannot be detected, so cached reads could be stale after one; flush the groupd keys after restoring Redis",
				"err", err)
		}
		runID = "unknown"
	}
	cur := c.ep.cur.Load()
	if !force && cur != nil && cur.runID == runID {
		return nil
	}
	epoch, err := c.epochOf(ctx, runID)
	if err != nil {
		return fmt.Errorf("redis: settle the cache epoch: %w", err)
	}
	if err := cn.Set(ctx, c.epochKey(), epoch, 0).Err(); err != nil {
		return err
	}
	if cur == nil || cur.epoch != epoch || cur.runID != runID {
		c.ep.cur.Store(&epochState{epoch: epoch, runID: runID})
		if cur != nil && cur.epoch != epoch {
			c.log.Warn("redis restarted or was replaced (new run_id): cache epoch changed; cached reads and token generations from before are ignored",
				"runID", runID, "epoch", epoch)
		}
	}
	return nil
}

// epochOf returns the epoch of runID: the database's, or a new one.
func (c *Client) epochOf(ctx context.Context, runID string) (string, error) {
	if c.ep.store == nil {
		return runID, nil
	}
	c.ep.mu.Lock()
	defer c.ep.mu.Unlock()
	for range 5 {
		v, ok, err := c.ep.store.Setting(ctx, c.ep.setting)
		if err != nil {
			return "", err
		}
		var epoch, known string
		if ok {
			if _, err := fmt.Sscanf(v, "v1 %s %s", &epoch, &known); err != nil {
				return "", fmt.Errorf("malformed epoch setting %q", v)
			}
			if known == runID {
				return epoch, nil
			}
		}
		b := make([]byte, 8)
		rand.Read(b)
		next := "v1 " + hex.EncodeToString(b) + " " + runID
		old := ""
		if ok {
			old = v
		}
		swapped, err := c.ep.store.SwapSetting(ctx, c.ep.setting, old, next)
		if err != nil {
			return "", err
		}
		if swapped {
			return hex.EncodeToString(b), nil
		}
		// Another node moved it at the same moment: read what won.
	}
	return "", errors.New("the epoch setting keeps changing")
}

// serverRunID reads run_id from INFO server on cn.
func serverRunID(ctx context.Context, cn *redis.Conn) (string, error) {
	info, err := cn.Info(ctx, "server").Result()
	if err != nil {
		return "", err
	}
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "run_id:"); ok {
			return strings.TrimSpace(v), nil
		}
	}
	return "", noRunID{}
}

// noRunID is an INFO without run_id: a reply, not a network failure.
type noRunID struct{}

func (noRunID) Error() string { return "redis: INFO server has no run_id" }
func (noRunID) RedisError()   {}

// checkEpoch looks at the epoch Redis answered for an operation built
// under epoch used: nil when they agree. Else errEpoch, after starting a
// repair when Redis has no epoch key, or one this node has not learned
// although its own is up to date.
func (c *Client) checkEpoch(used string, got any) error {
	if s, ok := got.(string); ok && s == used {
		return nil
	}
	if s, _ := got.(string); s == "" || used == c.epoch() {
		c.repairEpoch()
	}
	return errEpoch
}

// repairEpoch validates a pooled connection again in the background, at
// most once a second: it restores an evicted or flushed epoch key and
// notices a Redis replaced under a connection this node kept.
func (c *Client) repairEpoch() {
	now := time.Now().UnixNano()
	last := c.ep.lastFix.Load()
	if now-last < int64(time.Second) || !c.ep.lastFix.CompareAndSwap(last, now) {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		cn := c.rdb.Conn()
		defer cn.Close()
		if err := c.validate(ctx, cn, true); err != nil {
			c.log.Debug("redis: cache epoch repair failed", "err", err)
		}
	}()
}

// withEpoch runs op under the epoch in force, again under a newer one if
// Redis answered that the epoch changed meanwhile (at most 3 times).
func (c *Client) withEpoch(op func(epoch string) error) error {
	var err error
	for range 3 {
		used := c.epoch()
		if err = op(used); !errors.Is(err, errEpoch) {
			return err
		}
		if used == c.epoch() {
			// This node has not learned a new epoch yet: settle it now.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			cn := c.rdb.Conn()
			verr := c.validate(ctx, cn, true)
			cn.Close()
			cancel()
			if verr != nil {
				return c.end(verr)
			}
		}
	}
	return err
}

// runChecked runs a script whose answer -1 means "Redis's epoch is not
// the one given" (errEpoch); any other answer is success.
func (c *Client) runChecked(ctx context.Context, s *redis.Script, keys []string, args ...any) error {
	n, err := s.Run(ctx, c.rdb, keys, args...).Int64()
	if err = c.end(err); err != nil {
		return err
	}
	if n == -1 {
		return errEpoch // withEpoch settles the epoch and retries
	}
	return nil
}
