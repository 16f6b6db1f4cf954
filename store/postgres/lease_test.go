package postgres_test

import (
	"context"
	"testing"

	"github.com/groupd/groupd/store/postgres"
)

// A lease is one per schema: two groupd installations in two schemas of one
// database (as parallel test schemas are) each hold their own, and within
// a schema only one holder at a time.
func TestLeaseIsPerSchema(t *testing.T) {
	ctx := context.Background()
	a, b := postgres.OpenTestSchema(t), postgres.OpenTestSchema(t)
	la, ok, err := a.TryLease(ctx, "events")
	if err != nil || !ok {
		t.Fatalf("schema a: ok %v, err %v", ok, err)
	}
	defer la.Release()
	lb, ok, err := b.TryLease(ctx, "events")
	if err != nil || !ok {
		t.Fatalf("schema b is held back by schema a's lease: ok %v, err %v", ok, err)
	}
	defer lb.Release()
	if _, ok, err := a.TryLease(ctx, "events"); err != nil || ok {
		t.Fatalf("a second holder in schema a: ok %v, err %v", ok, err)
	}
}
