package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/groupd/groupd/domain"
)

var writeTests = []test{
	{"WriteErrorLeavesNothingBehind", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1")
		addMembers(t, s, newMember("g1", "u0", domain.RoleOwner))
		err := s.Write(t.Context(), func(tx domain.Tx) error {
			ctx := t.Context()
			if err := tx.InsertUsers(ctx, []domain.User{newUser("u1", 1)}); err != nil {
				return err
			}
			if err := tx.InsertGroup(ctx, newGroup("g2", 1)); err != nil {
				return err
			}
			if err := tx.InsertMembers(ctx, []domain.Member{newMember("g1", "u1", domain.RoleMember), newMember("g2", "u1", domain.RoleOwner)}); err != nil {
				return err
			}
			if _, err := tx.DeleteMembers(ctx, "g1", []string{"u0"}); err != nil {
				return err
			}
			if err := tx.PutAttributes(ctx, "g1", []domain.Attribute{{Key: "k", Value: "v"}}); err != nil {
				return err
			}
			if err := tx.PutRequest(ctx, newRequest("g1", "u9", 1, domain.RequestPending)); err != nil {
				return err
			}
			if _, err := tx.LogVersion(ctx, gm1, domain.OpInsert, []string{"u1"}); err != nil {
				return err
			}
			return fmt.Errorf("fn failed: %w", errBoom)
		})
		wantErrIs(t, err, errBoom, "")
		ctx := t.Context()
		wantEmpty(t, "users", ok(s.GetUsers(ctx, []string{"u1"})).must(t))
		_, err = s.GetGroup(ctx, "g2")
		wantErrIs(t, err, domain.ErrNotFound, "")
		wantEqual(t, "g1 count", memberCount(t, s, "g1"), int64(1))
		wantEqual(t, "g1 members", ok(s.MemberUserIDs(ctx, "g1")).must(t), []string{"u0"})
		wantEmpty(t, "u1 joined", ok(s.JoinedGroupIDs(ctx, "u1")).must(t))
		wantEqual(t, "u0 joined count", ok(s.CountJoined(ctx, "u0")).must(t), int64(1))
		wantEqual(t, "u1 joined count", ok(s.CountJoined(ctx, "u1")).must(t), int64(0))
		wantEmpty(t, "attributes", ok(s.GetAttributes(ctx, "g1")).must(t))
		_, err = s.GetRequest(ctx, "g1", "u9")
		wantErrIs(t, err, domain.ErrNotFound, "")
		st, _ := versionLog(t, s, gm1, 0, 0)
		wantEqual(t, "version state", st, domain.VersionState{})
	}},
	{"WriteReadsItsOwnWrites", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1")
		// fn runs on the backend's goroutine: it reports through c, never t.Fatal.
		var c checker
		write(t, s, func(tx domain.Tx) error {
			ctx := t.Context()
			if err := tx.InsertGroup(ctx, newGroup("g2", 1)); err != nil {
				return err
			}
			if err := tx.InsertMembers(ctx, []domain.Member{newMember("g2", "u1", domain.RoleOwner), newMember("g2", "u2", domain.RoleMember), newMember("g1", "u1", domain.RoleMember)}); err != nil {
				return err
			}
			g2, err := tx.GetGroup(ctx, "g2")
			c.eq("g2 count", g2.MemberCount, int64(2), err)
			g1, err := tx.LockGroup(ctx, "g1")
			c.eq("locked g1 count", g1.MemberCount, int64(1), err)
			ms, total, err := tx.ListMembers(ctx, domain.MemberQuery{GroupID: "g2", Page: domain.Page{Limit: 10}})
			c.eq("g2 members", userIDs(ms), []string{"u1", "u2"}, err)
			c.eq("g2 total", total, int64(2), nil)
			ids, err := tx.JoinedGroupIDs(ctx, "u1")
			c.eq("u1 joined", ids, []string{"g2", "g1"}, err)
			n, err := tx.DeleteMembers(ctx, "g2", []string{"u2"})
			c.eq("removed", n, 1, err)
			g2, err = tx.GetGroup(ctx, "g2")
			c.eq("g2 count after delete", g2.MemberCount, int64(1), err)
			if err := tx.PutAttributes(ctx, "g2", []domain.Attribute{{Key: "k", Value: "v"}}); err != nil {
				return err
			}
			attrs, err := tx.GetAttributes(ctx, "g2")
			c.eq("attributes", attrs, []domain.Attribute{{Key: "k", Value: "v"}}, err)
			v, err := tx.LogVersion(ctx, gm1, domain.OpInsert, []string{"u1"})
			if err != nil {
				return err
			}
			st, es, err := tx.VersionLog(ctx, gm1, 0, 0)
			c.eq("version", st.Version, v, err)
			c.eq("entries", es, []domain.VersionEntry{{ElementID: "u1", Op: domain.OpInsert, Version: v}}, nil)
			return nil
		})
		c.report(t)
		wantEqual(t, "g2 count committed", memberCount(t, s, "g2"), int64(1))
		wantEqual(t, "u1 joined committed", ok(s.JoinedGroupIDs(t.Context(), "u1")).must(t), []string{"g2", "g1"})
	}},
	{"ConcurrentWritersKeepMemberCountExact", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1")
		const n = 50
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				errs <- s.Write(t.Context(), func(tx domain.Tx) error {
					return tx.InsertMembers(t.Context(), []domain.Member{newMember("g1", fmt.Sprintf("u%02d", i), domain.RoleMember)})
				})
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			noErr(t, err)
		}
		wantEqual(t, "count", memberCount(t, s, "g1"), int64(n))
		ms := ok(s.ListMembersAfter(t.Context(), "g1", 0, 0)).must(t)
		seen := map[int64]bool{}
		for _, m := range ms {
			if seen[m.Seq] {
				t.Fatalf("Seq %d given twice", m.Seq)
			}
			seen[m.Seq] = true
		}
		wantEqual(t, "rows", len(ms), n)
	}},
	{"ConcurrentFailingWritersDoNotDisturbOthers", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1")
		const n = 40
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				errs[i] = s.Write(t.Context(), func(tx domain.Tx) error {
					if err := tx.InsertMembers(t.Context(), []domain.Member{newMember("g1", fmt.Sprintf("u%02d", i), domain.RoleMember)}); err != nil {
						return err
					}
					if i%2 == 1 {
						return errBoom
					}
					return nil
				})
			})
		}
		wg.Wait()
		var want []string
		for i, err := range errs {
			if i%2 == 1 {
				wantErrIs(t, err, errBoom, "")
				continue
			}
			noErr(t, err)
			want = append(want, fmt.Sprintf("u%02d", i))
		}
		got := ok(s.MemberUserIDs(t.Context(), "g1")).must(t)
		slices.Sort(got)
		wantEqual(t, "members", got, want)
		wantEqual(t, "count", memberCount(t, s, "g1"), int64(n/2))
	}},
	{"WriteReturnsTheFunctionsError", func(t *testing.T, s domain.Store) {
		err := s.Write(t.Context(), func(tx domain.Tx) error { return domain.Errorf(domain.KindNoPermission, "nope") })
		if domain.ErrorKind(err) != domain.KindNoPermission || domain.ErrorMessage(err) != "nope" {
			t.Fatalf("err = %v, want the domain error fn returned", err)
		}
	}},
	{"PingSucceedsOnAnOpenStore", func(t *testing.T, s domain.Store) {
		noErr(t, s.Ping(context.Background()))
	}},
}
