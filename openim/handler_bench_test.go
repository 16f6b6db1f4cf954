package openim

// Hot-path benchmarks of the OpenIM dialect: decode, authorise (JWT
// verify), load (the domain and store calls), encode, and whole requests
// through ServeHTTP without a network. They run only with -bench; see
// bench/README.md for the command and benchstat.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/store/sqlite"
)

// Sizes of the benchmark dataset: a big group (deep member pages) and a
// user in many groups (deep joined-group pages), among ordinary groups.
const (
	benchUsers      = 2_000
	benchGroups     = 3_000
	benchBigMembers = 20_000 // > benchUsers: the rest are extra users
	benchHotGroups  = 2_500
	benchPage       = 20
)

func benchUserID(i int) string  { return fmt.Sprintf("bu%06d", i) }
func benchGroupID(i int) string { return strconv.Itoa(4_000_000_000 + i) }

type benchWorld struct {
	svc   *domain.Service
	h     *Handler
	admin string
	hot   string // token of benchUserID(0): in every group, member of the big group
}

// benchSetup seeds the dataset into a fresh SQLite file (through the
// store, many rows per transaction) and returns the handler over it.
func benchSetup(b *testing.B) *benchWorld {
	b.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "groupd.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	err = db.Write(ctx, func(tx domain.Tx) error {
		users := make([]domain.User, benchBigMembers)
		for i := range users {
			users[i] = domain.User{UserID: benchUserID(i), Nickname: "User " + strconv.Itoa(i),
				FaceURL: "https://cdn.example.com/a/" + strconv.Itoa(i) + ".png", CreateTime: 1_700_000_000_000 + int64(i)}
		}
		if err := tx.InsertUsers(ctx, users); err != nil {
			return err
		}
		for gi := range benchGroups {
			gid := benchGroupID(gi)
			owner := benchUserID(1 + gi%(benchUsers-1))
			if err := tx.InsertGroup(ctx, domain.Group{GroupID: gid, Name: "Group " + strconv.Itoa(gi),
				Notification: "Welcome", Introduction: "A benchmark group", GroupType: domain.GroupTypeWorking,
				CreatorUserID: owner, OwnerUserID: owner, CreateTime: 1_700_000_000_000, DataSeq: 1}); err != nil {
				return err
			}
			ids := []string{owner}
			if gi == 0 {
				for u := range benchBigMembers {
					if id := benchUserID(u); id != owner {
						ids = append(ids, id)
					}
				}
			} else {
				if gi < benchHotGroups {
					ids = append(ids, benchUserID(0))
				}
				for k := 0; len(ids) < 10; k++ {
					if id := benchUserID(1 + (gi*7+k*131)%(benchUsers-1)); id != owner {
						ids = append(ids, id)
					}
				}
			}
			ms := make([]domain.Member, len(ids))
			for j, id := range ids {
				role := domain.RoleMember
				if j == 0 {
					role = domain.RoleOwner
				}
				ms[j] = domain.Member{GroupID: gid, UserID: id, RoleLevel: role, JoinTime: 1_700_000_000_000 + int64(j),
					JoinSource: domain.JoinSourceInvitation, InviterUserID: owner, OperatorUserID: owner}
			}
			if err := tx.InsertMembers(ctx, ms); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	svc := domain.NewService(db, domain.Options{})
	h := NewHandler(svc, Config{Secret: testSecret}, nil).(*Handler)
	w := &benchWorld{svc: svc, h: h}
	if w.admin, err = h.tokens.issue(ctx, DefaultAdminUserID, AdminPlatformID); err != nil {
		b.Fatal(err)
	}
	if w.hot, err = h.tokens.issue(ctx, benchUserID(0), 1); err != nil {
		b.Fatal(err)
	}
	return w
}

// benchRequests are the read endpoints of the HTTP benchmark, as
// (name, path, body).
func benchRequests() []struct{ name, path, body string } {
	ten := make([]string, 10)
	for i := range ten {
		ten[i] = benchGroupID(1 + i*37)
	}
	tenJSON, _ := json.Marshal(ten)
	page := func(n int) string {
		return `{"pageNumber":` + strconv.Itoa(n) + `,"showNumber":` + strconv.Itoa(benchPage) + `}`
	}
	return []struct{ name, path, body string }{
		{"get_groups_info/1", "/group/get_groups_info", `{"groupIDs":["` + benchGroupID(5) + `"]}`},
		{"get_groups_info/10", "/group/get_groups_info", `{"groupIDs":` + string(tenJSON) + `}`},
		{"get_joined_group_list/first", "/group/get_joined_group_list", `{"fromUserID":"` + benchUserID(0) + `","pagination":` + page(1) + `}`},
		{"get_joined_group_list/deep", "/group/get_joined_group_list", `{"fromUserID":"` + benchUserID(0) + `","pagination":` + page(benchHotGroups/benchPage) + `}`},
		{"get_group_member_list/first", "/group/get_group_member_list", `{"groupID":"` + benchGroupID(0) + `","pagination":` + page(1) + `}`},
		{"get_group_member_list/deep", "/group/get_group_member_list", `{"groupID":"` + benchGroupID(0) + `","pagination":` + page(benchBigMembers/benchPage) + `}`},
	}
}

// discardWriter is a ResponseWriter that keeps only the status and size.
type discardWriter struct {
	h      http.Header
	status int
	n      int
	last   []byte
}

func (d *discardWriter) Header() http.Header { return d.h }
func (d *discardWriter) WriteHeader(s int)   { d.status = s }
func (d *discardWriter) Write(p []byte) (int, error) {
	d.n += len(p)
	d.last = p
	return len(p), nil
}

func benchRequest(path, token, body string, gzip bool) *http.Request {
	r, _ := http.NewRequest(http.MethodPost, path, bytes.NewReader([]byte(body)))
	r.Header.Set("operationID", "bench")
	r.Header.Set("token", token)
	if gzip {
		r.Header.Set("Accept-Encoding", "gzip")
	}
	return r
}

// BenchmarkServe runs whole requests through the handler: decode,
// authorise, load, encode, log (discarded). The client asks for gzip, as
// Go clients do.
func BenchmarkServe(b *testing.B) {
	w := benchSetup(b)
	for _, rq := range benchRequests() {
		b.Run(rq.name, func(b *testing.B) {
			body := []byte(rq.body)
			dw := &discardWriter{h: http.Header{}}
			req := benchRequest(rq.path, w.hot, rq.body, true)
			w.h.ServeHTTP(dw, req)
			if dw.status != http.StatusOK {
				b.Fatalf("status %d", dw.status)
			}
			b.ReportAllocs()
			for b.Loop() {
				req.Body = io.NopCloser(bytes.NewReader(body))
				clear(dw.h)
				w.h.ServeHTTP(dw, req)
			}
		})
	}
}

// BenchmarkDecode decodes request bodies into their request structs.
func BenchmarkDecode(b *testing.B) {
	body := []byte(`{"groupID":"4000000000","pagination":{"pageNumber":1000,"showNumber":20},"filter":0,"keyword":""}`)
	b.Run("get_group_member_list", func(b *testing.B) {
		b.ReportAllocs()
		r, _ := http.NewRequest(http.MethodPost, "/", nil)
		for b.Loop() {
			r.Body = io.NopCloser(bytes.NewReader(body))
			var req memberListReq
			if err := decode(r, &req); err != nil {
				b.Fatal(err)
			}
		}
	})
	ten := `{"groupIDs":["4000000001","4000000002","4000000003","4000000004","4000000005","4000000006","4000000007","4000000008","4000000009","4000000010"]}`
	b.Run("get_groups_info/10", func(b *testing.B) {
		b.ReportAllocs()
		r, _ := http.NewRequest(http.MethodPost, "/", nil)
		for b.Loop() {
			r.Body = io.NopCloser(bytes.NewReader([]byte(ten)))
			var req groupIDsReq
			if err := decode(r, &req); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkAuthorize verifies a user token (HS256 JWT and the revocation
// generation).
func BenchmarkAuthorize(b *testing.B) {
	ctx := context.Background()
	tk := &tokens{key: signingKey(testSecret), ttl: DefaultTokenTTL, now: time.Now, revoker: NewMemoryRevoker()}
	tok, err := tk.issue(ctx, "4771680259", 1)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tk.verify(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoad runs the domain calls behind the read endpoints on the
// seeded SQLite store.
func BenchmarkLoad(b *testing.B) {
	w := benchSetup(b)
	ctx := context.Background()
	hot := domain.Actor{UserID: benchUserID(0)}
	ten := make([]string, 10)
	for i := range ten {
		ten[i] = benchGroupID(1 + i*37)
	}
	cases := []struct {
		name string
		fn   func() error
	}{
		{"get_groups_info/1", func() error { _, err := w.svc.GetGroups(ctx, hot, []string{benchGroupID(5)}); return err }},
		{"get_groups_info/10", func() error { _, err := w.svc.GetGroups(ctx, hot, ten); return err }},
		{"get_joined_group_list/first", func() error {
			_, _, err := w.svc.JoinedGroups(ctx, hot, hot.UserID, domain.Page{Limit: benchPage})
			return err
		}},
		{"get_joined_group_list/deep", func() error {
			_, _, err := w.svc.JoinedGroups(ctx, hot, hot.UserID, domain.Page{Offset: benchHotGroups - benchPage, Limit: benchPage})
			return err
		}},
		{"get_group_member_list/first", func() error {
			_, _, err := w.svc.ListMembers(ctx, hot, domain.MemberQuery{GroupID: benchGroupID(0), Page: domain.Page{Limit: benchPage}})
			return err
		}},
		{"get_group_member_list/deep", func() error {
			_, _, err := w.svc.ListMembers(ctx, hot, domain.MemberQuery{GroupID: benchGroupID(0),
				Page: domain.Page{Offset: benchBigMembers - benchPage, Limit: benchPage}})
			return err
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			if err := c.fn(); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := c.fn(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEncode writes answers (envelope, JSON, gzip when asked).
func BenchmarkEncode(b *testing.B) {
	w := benchSetup(b)
	ctx := context.Background()
	hot := domain.Actor{UserID: benchUserID(0)}
	ten := make([]string, 10)
	for i := range ten {
		ten[i] = benchGroupID(1 + i*37)
	}
	groups, err := w.svc.GetGroups(ctx, hot, ten)
	if err != nil {
		b.Fatal(err)
	}
	ms, total, err := w.svc.ListMembers(ctx, hot, domain.MemberQuery{GroupID: benchGroupID(0), Page: domain.Page{Limit: benchPage}})
	if err != nil {
		b.Fatal(err)
	}
	answers := []struct {
		name string
		data any
	}{
		{"groupInfos/1", groupInfosResp{GroupInfos: w.h.groupInfos(groups[:1])}},
		{"groupInfos/10", groupInfosResp{GroupInfos: w.h.groupInfos(groups)}},
		{"members/20", membersResp{Total: total, Members: w.h.memberInfos(ms)}},
	}
	for _, a := range answers {
		for _, gz := range []bool{false, true} {
			name := a.name + "/plain"
			if gz {
				name = a.name + "/gzip"
			}
			b.Run(name, func(b *testing.B) {
				r := benchRequest("/", "", "", gz)
				dw := &discardWriter{h: http.Header{}}
				b.ReportAllocs()
				for b.Loop() {
					clear(dw.h)
					respond(dw, r, a.data, nil, 1) // gzip whenever the request accepts it
				}
				b.ReportMetric(float64(dw.n)/float64(b.N), "B/answer")
			})
		}
	}
}
