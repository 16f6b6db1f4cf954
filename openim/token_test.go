package openim

import (
	"context"
	"os"
	"path/filepath"
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
