package storetest

import (
	"testing"

	"github.com/groupd/groupd/domain"
)

// searchFixture makes groups with create times so that newest first is
// s5, s4 (tie with s3, created later), s3, s2, s1; s2 is dismissed.
func searchFixture(t *testing.T, s domain.Store) {
	t.Helper()
	spec := []struct {
		id, name string
		created  int64
		status   int
	}{
		{"s1", "alpha team", 100, domain.StatusNormal},
		{"s2", "alpha gone", 200, domain.StatusDismissed},
		{"s3", "beta 100%", 300, domain.StatusBanned},
		{"s4", "beta_x", 300, domain.StatusNormal},
		{"s5", "Alpha upper", 500, domain.StatusNormal},
	}
	for _, sp := range spec {
		g := newGroup(sp.id, sp.created)
		g.Name, g.Status = sp.name, sp.status
		write(t, s, func(tx domain.Tx) error { return tx.InsertGroup(t.Context(), g) })
	}
}

var searchTests = []test{
	{"SearchGroupsNewestFirstWithoutDismissed", func(t *testing.T, s domain.Store) {
		searchFixture(t, s)
		gs, total := ok2(s.SearchGroups(t.Context(), domain.GroupSearch{Page: domain.Page{Limit: 10}})).must(t)
		wantEqual(t, "order", groupIDs(gs), []string{"s5", "s4", "s3", "s1"})
		wantEqual(t, "total", total, int64(4))
	}},
	{"SearchGroupsPages", func(t *testing.T, s domain.Store) {
		searchFixture(t, s)
		for _, c := range []struct {
			name string
			page domain.Page
			want []string
		}{
			{"first", domain.Page{Offset: 0, Limit: 2}, []string{"s5", "s4"}},
			{"middle", domain.Page{Offset: 1, Limit: 2}, []string{"s4", "s3"}},
			{"last", domain.Page{Offset: 2, Limit: 2}, []string{"s3", "s1"}},
			{"past the end", domain.Page{Offset: 4, Limit: 2}, []string{}},
		} {
			gs, total := ok2(s.SearchGroups(t.Context(), domain.GroupSearch{Page: c.page})).must(t)
			wantEqual(t, c.name, groupIDs(gs), c.want)
			wantEqual(t, c.name+" total", total, int64(4))
		}
	}},
	{"SearchGroupsByGroupIDIsExact", func(t *testing.T, s domain.Store) {
		searchFixture(t, s)
		gs, total := ok2(s.SearchGroups(t.Context(), domain.GroupSearch{GroupID: "s3", Page: domain.Page{Limit: 10}})).must(t)
		wantEqual(t, "ids", groupIDs(gs), []string{"s3"})
		wantEqual(t, "total", total, int64(1))
		gs, total = ok2(s.SearchGroups(t.Context(), domain.GroupSearch{GroupID: "s", Page: domain.Page{Limit: 10}})).must(t)
		wantEqual(t, "prefix only", groupIDs(gs), []string{})
		wantEqual(t, "prefix total", total, int64(0))
		gs, _ = ok2(s.SearchGroups(t.Context(), domain.GroupSearch{GroupID: "s2", Page: domain.Page{Limit: 10}})).must(t)
		wantEqual(t, "dismissed", groupIDs(gs), []string{})
	}},
	{"SearchGroupsByNameSubstrTakesWildcardsLiterally", func(t *testing.T, s domain.Store) {
		searchFixture(t, s)
		for _, c := range []struct {
			substr string
			want   []string
		}{
			{"lpha", []string{"s5", "s1"}},
			{"beta", []string{"s4", "s3"}},
			{"%", []string{"s3"}},
			{"_", []string{"s4"}},
			{"a_x", []string{"s4"}},
			{"zzz", []string{}},
		} {
			gs, total := ok2(s.SearchGroups(t.Context(), domain.GroupSearch{NameSubstr: c.substr, Page: domain.Page{Limit: 10}})).must(t)
			wantEqual(t, "NameSubstr "+c.substr, groupIDs(gs), c.want)
			wantEqual(t, "NameSubstr "+c.substr+" total", total, int64(len(c.want)))
		}
	}},
	{"SearchGroupsCombinesGroupIDAndName", func(t *testing.T, s domain.Store) {
		searchFixture(t, s)
		gs, _ := ok2(s.SearchGroups(t.Context(), domain.GroupSearch{GroupID: "s1", NameSubstr: "team", Page: domain.Page{Limit: 10}})).must(t)
		wantEqual(t, "match", groupIDs(gs), []string{"s1"})
		gs, _ = ok2(s.SearchGroups(t.Context(), domain.GroupSearch{GroupID: "s1", NameSubstr: "beta", Page: domain.Page{Limit: 10}})).must(t)
		wantEqual(t, "no match", groupIDs(gs), []string{})
	}},
}
