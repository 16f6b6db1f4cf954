package storetest

import (
	"testing"

	"github.com/groupd/groupd/domain"
)

func newRequest(gid, uid string, reqTime int64, result int) domain.GroupRequest {
	return domain.GroupRequest{
		GroupID: gid, UserID: uid, HandleResult: result, ReqMsg: "let me in", HandleMsg: "", ReqTime: reqTime,
		HandleUserID: "", HandleTime: 0, JoinSource: domain.JoinSourceSearch, InviterUserID: "inv", Ex: "ex",
	}
}

func reqKeys(rs []domain.GroupRequest) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.GroupID + "/" + r.UserID
	}
	return out
}

// requestFixture: newest first g2/u1 (600), g1/u3 (500, refused),
// g1/u2 (400, agreed), g2/u2 (300), g1/u1 (200), g3/u1 (100).
func requestFixture(t *testing.T, s domain.Store) {
	t.Helper()
	addGroups(t, s, "g1", "g2", "g3")
	write(t, s, func(tx domain.Tx) error {
		for _, r := range []domain.GroupRequest{
			newRequest("g1", "u1", 200, domain.RequestPending),
			newRequest("g1", "u2", 400, domain.RequestAgreed),
			newRequest("g1", "u3", 500, domain.RequestRefused),
			newRequest("g2", "u1", 600, domain.RequestPending),
			newRequest("g2", "u2", 300, domain.RequestPending),
			newRequest("g3", "u1", 100, domain.RequestPending),
		} {
			if err := tx.PutRequest(t.Context(), r); err != nil {
				return err
			}
		}
		return nil
	})
}

var requestTests = []test{
	{"PutRequestRoundTripsAndReplaces", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1")
		r := newRequest("g1", "u1", 100, domain.RequestPending)
		write(t, s, func(tx domain.Tx) error { return tx.PutRequest(t.Context(), r) })
		wantEqual(t, "request", ok(s.GetRequest(t.Context(), "g1", "u1")).must(t), r)
		r.HandleResult, r.HandleMsg, r.HandleUserID, r.HandleTime, r.ReqTime, r.ReqMsg = domain.RequestAgreed, "ok", "admin", 300, 200, "again"
		write(t, s, func(tx domain.Tx) error { return tx.PutRequest(t.Context(), r) })
		wantEqual(t, "replaced", ok(s.GetRequest(t.Context(), "g1", "u1")).must(t), r)
		rs, total := ok2(s.ListRequests(t.Context(), domain.RequestQuery{GroupIDs: []string{"g1"}, Page: domain.Page{Limit: 10}})).must(t)
		wantEqual(t, "one row per (group, user)", reqKeys(rs), []string{"g1/u1"})
		wantEqual(t, "total", total, int64(1))
	}},
	{"GetRequestMissingIsErrNotFound", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1")
		_, err := s.GetRequest(t.Context(), "g1", "ghost")
		wantErrIs(t, err, domain.ErrNotFound, "")
	}},
	{"ListRequestsNewestFirstAndPages", func(t *testing.T, s domain.Store) {
		requestFixture(t, s)
		all := []string{"g2/u1", "g1/u3", "g1/u2", "g2/u2", "g1/u1", "g3/u1"}
		for _, c := range []struct {
			name string
			page domain.Page
			want []string
		}{
			{"all", domain.Page{Limit: 10}, all},
			{"first", domain.Page{Offset: 0, Limit: 4}, all[:4]},
			{"last", domain.Page{Offset: 4, Limit: 4}, all[4:]},
			{"past the end", domain.Page{Offset: 6, Limit: 4}, []string{}},
		} {
			rs, total := ok2(s.ListRequests(t.Context(), domain.RequestQuery{Page: c.page})).must(t)
			wantEqual(t, c.name, reqKeys(rs), c.want)
			wantEqual(t, c.name+" total", total, int64(6))
		}
	}},
	{"ListRequestsFilters", func(t *testing.T, s domain.Store) {
		requestFixture(t, s)
		for _, c := range []struct {
			name string
			q    domain.RequestQuery
			want []string
		}{
			{"GroupIDs", domain.RequestQuery{GroupIDs: []string{"g1", "g3"}}, []string{"g1/u3", "g1/u2", "g1/u1", "g3/u1"}},
			{"UserID", domain.RequestQuery{UserID: "u1"}, []string{"g2/u1", "g1/u1", "g3/u1"}},
			{"UserIDs", domain.RequestQuery{UserIDs: []string{"u2", "u3"}}, []string{"g1/u3", "g1/u2", "g2/u2"}},
			{"HandleResults", domain.RequestQuery{HandleResults: []int{domain.RequestAgreed, domain.RequestRefused}}, []string{"g1/u3", "g1/u2"}},
			{"GroupIDs and UserID", domain.RequestQuery{GroupIDs: []string{"g1", "g2"}, UserID: "u1"}, []string{"g2/u1", "g1/u1"}},
			{"GroupIDs and pending", domain.RequestQuery{GroupIDs: []string{"g1"}, HandleResults: []int{domain.RequestPending}}, []string{"g1/u1"}},
			{"no match", domain.RequestQuery{GroupIDs: []string{"ghost"}}, []string{}},
		} {
			c.q.Page = domain.Page{Limit: 10}
			rs, total := ok2(s.ListRequests(t.Context(), c.q)).must(t)
			wantEqual(t, c.name, reqKeys(rs), c.want)
			wantEqual(t, c.name+" total", total, int64(len(c.want)))
		}
		rs, total := ok2(s.ListRequests(t.Context(), domain.RequestQuery{UserID: "u1", Page: domain.Page{Offset: 1, Limit: 1}})).must(t)
		wantEqual(t, "filtered page", reqKeys(rs), []string{"g1/u1"})
		wantEqual(t, "filtered page total", total, int64(3))
	}},
}
