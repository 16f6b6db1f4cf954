package storetest

import (
	"slices"
	"testing"

	"github.com/groupd/groupd/domain"
)

func logVersion(t *testing.T, s domain.Store, owner domain.VersionOwner, op int, ids ...string) int64 {
	t.Helper()
	var v int64
	write(t, s, func(tx domain.Tx) error {
		var err error
		v, err = tx.LogVersion(t.Context(), owner, op, ids)
		return err
	})
	return v
}

func versionLog(t *testing.T, s domain.Reader, owner domain.VersionOwner, since int64, limit int) (domain.VersionState, []domain.VersionEntry) {
	t.Helper()
	st, es, err := s.VersionLog(t.Context(), owner, since, limit)
	if err != nil {
		t.Fatal(err)
	}
	if es == nil {
		t.Fatal("VersionLog entries = nil, want non-nil")
	}
	return st, es
}

var (
	gm1 = domain.VersionOwner{Kind: domain.VersionGroupMembers, ID: "g1"}
	ug1 = domain.VersionOwner{Kind: domain.VersionUserGroups, ID: "g1"}
)

var versionTests = []test{
	{"VersionLogOfUnknownOwnerIsZeroState", func(t *testing.T, s domain.Store) {
		st, es := versionLog(t, s, gm1, 0, 0)
		wantEqual(t, "state", st, domain.VersionState{})
		wantEmpty(t, "entries", es)
	}},
	{"LogVersionRaisesVersionByOnePerCall", func(t *testing.T, s domain.Store) {
		v1 := logVersion(t, s, gm1, domain.OpInsert, "a", "b")
		st1, _ := versionLog(t, s, gm1, 0, 0)
		v2 := logVersion(t, s, gm1, domain.OpUpdate, "c")
		v3 := logVersion(t, s, gm1, domain.OpDelete, "a")
		if v1 <= 0 || v2 != v1+1 || v3 != v2+1 {
			t.Fatalf("versions %d %d %d, want consecutive from > 0", v1, v2, v3)
		}
		st, _ := versionLog(t, s, gm1, 0, 0)
		if st.VersionID == "" || st.VersionID != st1.VersionID {
			t.Fatalf("VersionID %q then %q, want one non-empty ID", st1.VersionID, st.VersionID)
		}
		wantEqual(t, "version", st.Version, v3)
	}},
	{"VersionLogReturnsEachElementsLatestChangeSinceByVersion", func(t *testing.T, s domain.Store) {
		v1 := logVersion(t, s, gm1, domain.OpInsert, "a", "b")
		v2 := logVersion(t, s, gm1, domain.OpUpdate, "c")
		v3 := logVersion(t, s, gm1, domain.OpDelete, "a")
		_, es := versionLog(t, s, gm1, 0, 0)
		wantEqual(t, "since 0", es, []domain.VersionEntry{
			{ElementID: "b", Op: domain.OpInsert, Version: v1},
			{ElementID: "c", Op: domain.OpUpdate, Version: v2},
			{ElementID: "a", Op: domain.OpDelete, Version: v3},
		})
		_, es = versionLog(t, s, gm1, v1, 0)
		wantEqual(t, "since v1", es, []domain.VersionEntry{
			{ElementID: "c", Op: domain.OpUpdate, Version: v2},
			{ElementID: "a", Op: domain.OpDelete, Version: v3},
		})
		_, es = versionLog(t, s, gm1, v3, 0)
		wantEmpty(t, "since v3", es)
	}},
	{"VersionLogLimitBoundsEntries", func(t *testing.T, s domain.Store) {
		var vs []int64
		for _, id := range []string{"a", "b", "c", "d"} {
			vs = append(vs, logVersion(t, s, gm1, domain.OpInsert, id))
		}
		_, es := versionLog(t, s, gm1, 0, 2)
		wantEqual(t, "limit 2", es, []domain.VersionEntry{
			{ElementID: "a", Op: domain.OpInsert, Version: vs[0]},
			{ElementID: "b", Op: domain.OpInsert, Version: vs[1]},
		})
		_, es = versionLog(t, s, gm1, vs[1], 2)
		wantEqual(t, "next 2", es, []domain.VersionEntry{
			{ElementID: "c", Op: domain.OpInsert, Version: vs[2]},
			{ElementID: "d", Op: domain.OpInsert, Version: vs[3]},
		})
	}},
	{"VersionLogLimitNeverSplitsAVersion", func(t *testing.T, s domain.Store) {
		v1 := logVersion(t, s, gm1, domain.OpInsert, "a", "b", "c")
		logVersion(t, s, gm1, domain.OpInsert, "d")
		_, es := versionLog(t, s, gm1, 0, 2)
		var ids []string
		for _, e := range es {
			if e.Version == v1 {
				ids = append(ids, e.ElementID)
			}
		}
		slices.Sort(ids)
		wantEqual(t, "elements of the first version", ids, []string{"a", "b", "c"})
	}},
	{"CompactVersionsDropsOldEntriesAndRaisesMinVersion", func(t *testing.T, s domain.Store) {
		var vs []int64
		for _, id := range []string{"a", "b", "c", "d", "e"} {
			vs = append(vs, logVersion(t, s, gm1, domain.OpInsert, id))
		}
		write(t, s, func(tx domain.Tx) error { return tx.CompactVersions(t.Context(), gm1, vs[2]) })
		st, es := versionLog(t, s, gm1, 0, 0)
		wantEqual(t, "min version", st.MinVersion, vs[2])
		wantEqual(t, "version", st.Version, vs[4])
		wantEqual(t, "entries", es, []domain.VersionEntry{
			{ElementID: "d", Op: domain.OpInsert, Version: vs[3]},
			{ElementID: "e", Op: domain.OpInsert, Version: vs[4]},
		})
		write(t, s, func(tx domain.Tx) error { return tx.CompactVersions(t.Context(), gm1, vs[0]) })
		st, _ = versionLog(t, s, gm1, 0, 0)
		wantEqual(t, "min version never goes down", st.MinVersion, vs[2])
		v := logVersion(t, s, gm1, domain.OpUpdate, "a")
		_, es = versionLog(t, s, gm1, vs[4], 0)
		wantEqual(t, "logging goes on", es, []domain.VersionEntry{{ElementID: "a", Op: domain.OpUpdate, Version: v}})
	}},
	{"VersionLogsArePerOwner", func(t *testing.T, s domain.Store) {
		logVersion(t, s, gm1, domain.OpInsert, "a")
		logVersion(t, s, gm1, domain.OpInsert, "b")
		vu := logVersion(t, s, ug1, domain.OpInsert, "x")
		_, es := versionLog(t, s, ug1, 0, 0)
		wantEqual(t, "ug entries", es, []domain.VersionEntry{{ElementID: "x", Op: domain.OpInsert, Version: vu}})
		stg, _ := versionLog(t, s, gm1, 0, 0)
		stu, _ := versionLog(t, s, ug1, 0, 0)
		if stg.Version != stu.Version+1 {
			t.Fatalf("versions gm %d, ug %d: owners share a counter", stg.Version, stu.Version)
		}
		st, _ := versionLog(t, s, domain.VersionOwner{Kind: domain.VersionGroupMembers, ID: "g2"}, 0, 0)
		wantEqual(t, "other ID", st, domain.VersionState{})
	}},
}
