package redisx

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/internal/teststore"
	"github.com/groupd/groupd/storecache"
)

// Store-level read and write throughput on each backend, with and without
// the cache (docs/scaling.md):
//
//	go test -run '^$' -bench . -benchtime 3s ./redisx
//
// Reads: GetGroup of one of 1,000 groups, at random. Writes: a membership
// insert into one of 1,000 groups (a row lock, a count update, a commit).
type benchStore struct {
	name string
	s    domain.Store
}

// benchStores opens, per backend, a store without and one with its cache
// (each on its own database).
func benchStores(b *testing.B) []benchStore {
	var out []benchStore
	for _, k := range teststore.Kinds() {
		out = append(out, benchStore{string(k), teststore.Open(b, k)})
		if k == teststore.SQLite {
			out = append(out, benchStore{"sqlite+memory", storecache.New(teststore.Open(b, k), storecache.NewMemory(0), storecache.Options{})})
		} else {
			out = append(out, benchStore{string(k) + "+redis", storecache.New(teststore.Open(b, k), OpenTest(b, Options{}).NewCacheBackend(), storecache.Options{})})
		}
	}
	return out
}

// benchSeq numbers the benchmark's memberships across its runs.
var benchSeq atomic.Int64

const benchGroups = 1000

func BenchmarkStores(b *testing.B) {
	ctx := context.Background()
	for _, st := range benchStores(b) {
		err := st.s.Write(ctx, func(tx domain.Tx) error {
			for i := range benchGroups {
				if err := tx.InsertGroup(ctx, domain.Group{GroupID: fmt.Sprint("g", i), Name: "bench"}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		b.Run("read/"+st.name, func(b *testing.B) {
			var n atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := st.s.GetGroup(ctx, fmt.Sprint("g", n.Add(7919)%benchGroups)); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
		b.Run("write/"+st.name, func(b *testing.B) {
			n := &benchSeq
			b.SetParallelism(8) // 16 writers on 2 cores: what group commit and row locks are for
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					err := st.s.Write(ctx, func(tx domain.Tx) error {
						gid := fmt.Sprint("g", i%benchGroups)
						if _, err := tx.LockGroup(ctx, gid); err != nil {
							return err
						}
						return tx.InsertMembers(ctx, []domain.Member{{GroupID: gid, UserID: fmt.Sprint("u", i), RoleLevel: domain.RoleMember}})
					})
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
