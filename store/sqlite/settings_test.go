package sqlite

import (
	"context"
	"path/filepath"
	"testing"
)

// Settings are a compare-and-swap per name that survives a reopen.
func TestSettings(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "groupd.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		old, value string
		want       bool
		after      string
	}{
		{"", "a", true, "a"},   // create
		{"", "b", false, "a"},  // already set
		{"x", "b", false, "a"}, // not the current value
		{"a", "b", true, "b"},  // swap
	}
	if _, ok, err := db.Setting(ctx, "k"); ok || err != nil {
		t.Fatalf("unset: ok=%v err=%v", ok, err)
	}
	for i, s := range steps {
		swapped, err := db.SwapSetting(ctx, "k", s.old, s.value)
		if err != nil || swapped != s.want {
			t.Fatalf("step %d: swapped=%v err=%v, want %v", i, swapped, err, s.want)
		}
		if v, ok, err := db.Setting(ctx, "k"); v != s.after || !ok || err != nil {
			t.Fatalf("step %d: %q %v %v, want %q", i, v, ok, err, s.after)
		}
	}
	db.Close()
	db, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, _, _ := db.Setting(ctx, "k"); v != "b" {
		t.Fatalf("after reopen: %q", v)
	}
}
