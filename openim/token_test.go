package openim

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestFileRevokerPersists(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "revoked.json")
	r, err := OpenFileRevoker(path)
	if err != nil {
		t.Fatal(err)
	}
	if g, _ := r.Generation(ctx, "alice", 1); g != 0 {
		t.Fatalf("fresh generation %d", g)
	}
	for range 2 {
		if err := r.Revoke(ctx, "alice", 1); err != nil {
			t.Fatal(err)
		}
	}
	r2, err := OpenFileRevoker(path)
	if err != nil {
		t.Fatal(err)
	}
	if g, _ := r2.Generation(ctx, "alice", 1); g != 2 {
		t.Fatalf("generation after reopen %d, want 2", g)
	}
	if g, _ := r2.Generation(ctx, "alice", 2); g != 0 {
		t.Fatalf("other platform generation %d", g)
	}
	if err := os.WriteFile(path, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenFileRevoker(path); err == nil {
		t.Fatal("corrupt file accepted")
	}
}
