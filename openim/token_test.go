package openim

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/groupd/groupd/internal/teststore"
)

// Logouts live in the store on every backend; the file an older groupd kept
// is moved into it at start, and a store that already counts more keeps its
// count.
func TestRevocationsFileImportedIntoTheStore(t *testing.T) {
	ctx := context.Background()
	teststore.Each(t, func(t *testing.T, kind teststore.Kind) {
		db := teststore.Open(t, kind)
		r := NewStoreRevoker(db)
		if err := r.Revoke(ctx, "bob", 1); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if err := r.Revoke(ctx, "carol", 2); err != nil {
				t.Fatal(err)
			}
		}
		path := filepath.Join(t.TempDir(), "openim-revoked-tokens.json")
		if err := os.WriteFile(path, []byte(`{"1/alice":2,"1/bob":4,"2/carol":1}`), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := ImportRevocationsFile(ctx, db, path); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			user     string
			platform int
			want     uint64
		}{{"alice", 1, 2}, {"bob", 1, 4}, {"carol", 2, 3}, {"alice", 2, 0}, {"dave", 1, 0}} {
			if g, err := r.Generation(ctx, c.user, c.platform); err != nil || g != c.want {
				t.Errorf("%s/%d generation %d (%v), want %d", c.user, c.platform, g, err, c.want)
			}
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Fatalf("the file is still in place: %v", err)
		}
		if _, err := os.Stat(path + ".imported"); err != nil {
			t.Fatal(err)
		}
		if err := ImportRevocationsFile(ctx, db, path); err != nil { // nothing left to import
			t.Fatal(err)
		}
		bad := filepath.Join(t.TempDir(), "bad.json")
		if err := os.WriteFile(bad, []byte("{"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := ImportRevocationsFile(ctx, db, bad); err == nil {
			t.Fatal("corrupt file accepted")
		}
	})
}

// countingRevoker counts the generation reads that reach the store.
type countingRevoker struct {
	TokenRevoker
	reads atomic.Int64
}

func (c *countingRevoker) Generation(ctx context.Context, userID string, platformID int) (uint64, error) {
	c.reads.Add(1)
	return c.TokenRevoker.Generation(ctx, userID, platformID)
}

// The in-process cache of generations saves the store reads and is never
// older than an acknowledged logout, also while readers race the logouts.
func TestProcessRevokerFreshAfterEveryRevoke(t *testing.T) {
	ctx := context.Background()
	teststore.Each(t, func(t *testing.T, kind teststore.Kind) {
		store := &countingRevoker{TokenRevoker: NewStoreRevoker(teststore.Open(t, kind))}
		p := NewProcessRevoker(store, 0)
		for range 5 {
			if g, err := p.Generation(ctx, "alice", 1); err != nil || g != 0 {
				t.Fatalf("generation %d (%v)", g, err)
			}
		}
		if n := store.reads.Load(); n != 1 {
			t.Fatalf("%d store reads for 5 checks, want 1", n)
		}
		var acked atomic.Uint64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					before := acked.Load()
					g, err := p.Generation(ctx, "alice", 1)
					if err != nil {
						t.Error(err)
						return
					}
					if g < before {
						t.Errorf("generation %d after %d acknowledged logouts", g, before)
						return
					}
				}
			})
		}
		for i := range 30 {
			if err := p.Revoke(ctx, "alice", 1); err != nil {
				t.Fatal(err)
			}
			acked.Store(uint64(i + 1))
		}
		close(stop)
		wg.Wait()
		if g, _ := p.Generation(ctx, "alice", 1); g != 30 {
			t.Fatalf("generation %d after 30 logouts", g)
		}
	})
}
