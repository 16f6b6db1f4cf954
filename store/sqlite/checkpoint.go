package sqlite

import (
	"context"
	"database/sql"
	"log/slog"
	"time"
)

// WAL checkpoints run on a connection of their own, in the background.
//
// SQLite's automatic checkpoint runs inside the COMMIT that crosses its
// threshold, on the writer's connection: the writer, and so every Write
// waiting for it, stops while pages are copied into the database file and
// it is synced. Under a steady write load that was most of the writer's
// time. Here a goroutine checkpoints (PASSIVE: never waiting for readers
// or the writer) every checkpointEvery; the writer keeps SQLite's
// automatic checkpoint only as a backstop, at a threshold the background
// checkpoints normally keep it from reaching. Durability is unchanged:
// every commit is synced to the WAL before Write returns.
const (
	checkpointEvery     = 100 * time.Millisecond
	backstopCheckpoint  = 16384 // pages (64 MiB) in the WAL before the writer checkpoints itself
	checkpointerTimeout = 30 * time.Second
)

type checkpointer struct {
	db   *sql.DB
	stop chan struct{}
	done chan struct{}
	log  *slog.Logger
}

func startCheckpointer(db *sql.DB, log *slog.Logger) *checkpointer {
	c := &checkpointer{db: db, stop: make(chan struct{}), done: make(chan struct{}), log: log}
	go c.run()
	return c
}

func (c *checkpointer) run() {
	defer close(c.done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), checkpointerTimeout)
		var busy, logFrames, done int
		err := c.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &logFrames, &done)
		cancel()
		if err != nil && !failing {
			c.log.Warn("sqlite background checkpoint failed; the writer's own checkpoints take over", "err", err)
		}
		failing = err != nil
	}
}

// close stops the goroutine and closes its connection.
func (c *checkpointer) close() error {
	close(c.stop)
	<-c.done
	return c.db.Close()
}
