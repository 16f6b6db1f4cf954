package openim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/store/sqlite"
)

// BenchmarkIncrementalGroupMembers measures get_incremental_group_members
// through the whole stack (HTTP, JSON, domain, SQLite file) for a client
// 10 changes behind, in a 100,000-member group and, for comparison, in a
// 20-member one. Setup takes a while (100,000 memberships, each logged):
//
//	go test ./openim -run '^$' -bench IncrementalGroupMembers -benchmem
func BenchmarkIncrementalGroupMembers(b *testing.B) {
	for _, size := range []int{100_000, 20} {
		b.Run(fmt.Sprintf("members=%d", size), func(b *testing.B) {
			bs := newBenchSync(b, size)
			body, _ := json.Marshal(map[string]any{"groupID": "g", "versionID": bs.versionID, "version": bs.version})
			b.Run("http", func(b *testing.B) {
				for b.Loop() {
					d := bs.post(b, "/group/get_incremental_group_members", body)
					if d.Full || len(d.Insert)+len(d.Update)+len(d.Delete) != 10 {
						b.Fatalf("unexpected answer: %s", mustJSON(d))
					}
				}
			})
			b.Run("domain", func(b *testing.B) {
				ctx, member := context.Background(), domain.Actor{UserID: "u1"}
				for b.Loop() {
					d, err := bs.svc.IncrementalGroupMembers(ctx, member, "g", bs.versionID, int64(bs.version))
					if err != nil || d.Full || len(d.Inserted)+len(d.Updated)+len(d.Deleted) != 10 {
						b.Fatalf("unexpected answer: %v %+v", err, d)
					}
				}
			})
			// For comparison: what a client that cannot sync incrementally
			// fetches first, every member ID.
			b.Run("full_ids_domain", func(b *testing.B) {
				ctx, member := context.Background(), domain.Actor{UserID: "u1"}
				for b.Loop() {
					f, err := bs.svc.FullGroupMemberIDs(ctx, member, "g")
					if err != nil || len(f.IDs) != size {
						b.Fatalf("unexpected answer: %v %d", err, len(f.IDs))
					}
				}
			})
		})
	}
}

type benchSync struct {
	svc       *domain.Service
	srv       *httptest.Server
	token     string
	versionID string
	version   uint64
}

// newBenchSync makes group g with size members (u0 owns it), brings a
// client up to date, then makes 10 changes: 2 joins, 2 leaves, 3 mutes and
// 3 nickname changes.
func newBenchSync(b *testing.B, size int) *benchSync {
	b.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	svc := domain.NewService(db, domain.Options{})
	admin := domain.Actor{UserID: "imAdmin", Admin: true}
	start := time.Now()
	const chunk = 1000
	ids := make([]string, size+2)
	for i := range ids {
		ids[i] = fmt.Sprintf("u%d", i)
	}
	for i := 0; i < len(ids); i += chunk {
		users := []domain.User{}
		for _, id := range ids[i:min(i+chunk, len(ids))] {
			users = append(users, domain.User{UserID: id, Nickname: "nick-" + id})
		}
		if _, err := svc.RegisterUsers(ctx, admin, users, false); err != nil {
			b.Fatal(err)
		}
	}
	if _, _, err := svc.CreateGroup(ctx, admin, domain.CreateGroupInput{Group: domain.Group{GroupID: "g", GroupType: 2},
		OwnerUserID: "u0", MemberUserIDs: ids[1:min(chunk, size)], JoinSource: 2}); err != nil {
		b.Fatal(err)
	}
	for i := chunk; i < size; i += chunk {
		if _, err := svc.InviteMembers(ctx, admin, domain.InviteInput{GroupID: "g", UserIDs: ids[i:min(i+chunk, size)]}); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("setup of %d members: %v", size, time.Since(start))

	srv := httptest.NewServer(NewHandler(svc, Config{Secret: testSecret}, nil))
	b.Cleanup(srv.Close)
	bs := &benchSync{svc: svc, srv: srv}
	var tok struct {
		Token string `json:"token"`
	}
	bs.call(b, "/auth/get_admin_token", "", []byte(`{"secret":"`+testSecret+`","userID":"imAdmin"}`), &tok)
	adminTok := tok.Token
	bs.call(b, "/auth/get_user_token", adminTok, []byte(`{"platformID":1,"userID":"u1"}`), &tok)
	bs.token = tok.Token
	first := bs.post(b, "/group/get_incremental_group_members", []byte(`{"groupID":"g","versionID":"","version":0}`))
	bs.versionID, bs.version = first.VersionID, first.Version

	owner := domain.Actor{UserID: "u0"}
	if _, err := svc.InviteMembers(ctx, owner, domain.InviteInput{GroupID: "g", UserIDs: ids[size : size+2]}); err != nil {
		b.Fatal(err)
	}
	if _, err := svc.Kick(ctx, owner, domain.KickInput{GroupID: "g", UserIDs: ids[2:4]}); err != nil {
		b.Fatal(err)
	}
	if _, err := svc.MuteMembers(ctx, owner, "g", ids[4:7], time.Now().Add(time.Hour).UnixMilli(), false); err != nil {
		b.Fatal(err)
	}
	for _, id := range ids[7:10] {
		name := "renamed"
		if _, err := svc.SetMemberInfo(ctx, owner, []domain.MemberPatch{{GroupID: "g", UserID: id, Nickname: &name}}, false); err != nil {
			b.Fatal(err)
		}
	}
	return bs
}

func (bs *benchSync) post(b *testing.B, path string, body []byte) incrementalGroupMembersResp {
	var d incrementalGroupMembersResp
	bs.call(b, path, bs.token, body, &d)
	return d
}

func (bs *benchSync) call(b *testing.B, path, token string, body []byte, out any) {
	req, _ := http.NewRequest(http.MethodPost, bs.srv.URL+path, bytes.NewReader(body))
	req.Header.Set("operationID", "bench")
	if token != "" {
		req.Header.Set("token", token)
	}
	resp, err := bs.srv.Client().Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var env struct {
		ErrCode int             `json:"errCode"`
		Data    json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &env); err != nil || env.ErrCode != 0 {
		b.Fatalf("%s: %v %s", path, err, raw)
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		b.Fatal(err)
	}
}
