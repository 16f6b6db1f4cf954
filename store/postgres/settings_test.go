package postgres

import (
	"context"
	"sync"
	"testing"
)

// Settings are a compare-and-swap per name: of nodes racing to create one,
// exactly one wins and all read its value.
func TestSettings(t *testing.T) {
	ctx := context.Background()
	db := OpenTestSchema(t)
	if _, ok, err := db.Setting(ctx, "k"); ok || err != nil {
		t.Fatalf("unset: ok=%v err=%v", ok, err)
	}
	var wg sync.WaitGroup
	wins := make(chan string, 8)
	for i := range 8 {
		wg.Go(func() {
			v := string(rune('a' + i))
			if ok, err := db.SwapSetting(ctx, "k", "", v); err != nil {
				t.Error(err)
			} else if ok {
				wins <- v
			}
		})
	}
	wg.Wait()
	close(wins)
	var won []string
	for v := range wins {
		won = append(won, v)
	}
	if len(won) != 1 {
		t.Fatalf("%d creators won: %v", len(won), won)
	}
	if v, ok, err := db.Setting(ctx, "k"); v != won[0] || !ok || err != nil {
		t.Fatalf("value %q %v %v, want %q", v, ok, err, won[0])
	}
	if ok, err := db.SwapSetting(ctx, "k", "nope", "z"); ok || err != nil {
		t.Fatalf("swap from a wrong value: %v %v", ok, err)
	}
	if ok, err := db.SwapSetting(ctx, "k", won[0], "z"); !ok || err != nil {
		t.Fatalf("swap: %v %v", ok, err)
	}
	if v, _, _ := db.Setting(ctx, "k"); v != "z" {
		t.Fatalf("after swap: %q", v)
	}
}
