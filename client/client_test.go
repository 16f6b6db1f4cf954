package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/groupd/groupd/client"
	"github.com/groupd/groupd/internal/testserver"
	"github.com/groupd/groupd/openim"
)

// recorder is a transport that keeps every answer's body by path.
type recorder struct {
	mu      sync.Mutex
	bodies  map[string][][]byte
	headers []http.Header
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.bodies == nil {
		r.bodies = map[string][][]byte{}
	}
	r.bodies[req.URL.Path] = append(r.bodies[req.URL.Path], b)
	r.headers = append(r.headers, req.Header.Clone())
	return resp, nil
}

func newClient(t *testing.T, opts ...client.Option) (*client.Client, *testserver.Server, *recorder) {
	t.Helper()
	srv := testserver.New(t, testserver.Options{})
	rec := &recorder{}
	opts = append([]client.Option{client.WithSecret(testserver.Secret), client.WithHTTPClient(&http.Client{Transport: rec})}, opts...)
	return client.New(srv.URL, opts...), srv, rec
}

func ptr[T any](v T) *T { return &v }

// TestEveryEndpoint calls every route through the client against the real
// server, and checks that each answer's data decodes strictly (no field
// the client type lacks) into the endpoint's response type.
func TestEveryEndpoint(t *testing.T) {
	c, _, rec := newClient(t)
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.GetAdminToken(ctx, &client.GetAdminTokenReq{Secret: testserver.Secret, UserID: "imAdmin"}); err != nil {
		t.Fatal(err)
	}
	must(c.UserRegister(ctx, &client.UserRegisterReq{Users: []client.NewUser{
		{UserID: "alice", Nickname: "Alice"}, {UserID: "bob", Nickname: "Bob"}, {UserID: "carol", Nickname: "Carol"}, {UserID: "dave"}}}))
	users, err := c.GetUsersInfo(ctx, &client.UserIDsReq{UserIDs: []string{"alice", "bob"}})
	must(err)
	if len(users.UsersInfo) != 2 {
		t.Fatalf("get_users_info: %+v", users)
	}
	must(c.UpdateUserInfo(ctx, &client.UpdateUserInfoReq{UserInfo: client.NewUser{UserID: "alice", Nickname: "Alice A."}}))
	must(c.UpdateUserInfoEx(ctx, &client.UpdateUserInfoExReq{UserInfo: client.UserInfoPatch{UserID: "alice", Ex: ptr("")}}))
	all, err := c.GetUsers(ctx, &client.PageReq{Pagination: client.Pagination{PageNumber: 1, ShowNumber: 10}})
	must(err)
	if all.Total != 4 {
		t.Fatalf("get_users total %d", all.Total)
	}

	created, err := c.CreateGroup(ctx, &client.CreateGroupReq{OwnerUserID: "alice", MemberUserIDs: []string{"bob"},
		GroupInfo: client.NewGroupInfo{GroupID: "g1", GroupName: "Team", GroupType: 2}})
	must(err)
	if g := created.GroupInfo; g.GroupID != "g1" || g.MemberCount != 2 || g.OwnerUserID != "alice" {
		t.Fatalf("create_group: %+v", g)
	}
	infos, err := c.GetGroupsInfo(ctx, &client.GroupIDsReq{GroupIDs: []string{"g1"}})
	must(err)
	if len(infos.GroupInfos) != 1 || infos.GroupInfos[0].GroupName != "Team" {
		t.Fatalf("get_groups_info: %+v", infos)
	}
	joined, err := c.GetJoinedGroupList(ctx, &client.JoinedGroupListReq{FromUserID: "bob", Pagination: client.Pagination{PageNumber: 1}})
	must(err)
	if joined.Total != 1 {
		t.Fatalf("get_joined_group_list: %+v", joined)
	}
	must(c.SetGroupInfo(ctx, &client.SetGroupInfoReq{GroupInfoForSet: client.GroupInfoForSet{GroupID: "g1", Notification: "hello"}}))
	must(c.SetGroupInfoEx(ctx, &client.SetGroupInfoExReq{GroupID: "g1", Introduction: ptr("intro"), NeedVerification: ptr[int32](0)}))
	must(c.InviteUserToGroup(ctx, &client.InviteReq{GroupID: "g1", InvitedUserIDs: []string{"carol"}}))
	members, err := c.GetGroupMemberList(ctx, &client.MemberListReq{GroupID: "g1", Pagination: client.Pagination{PageNumber: 1, ShowNumber: 10}})
	must(err)
	if members.Total != 3 || members.Members[0].RoleLevel != client.RoleOwner {
		t.Fatalf("get_group_member_list: %+v", members)
	}
	mi, err := c.GetGroupMembersInfo(ctx, &client.MembersInfoReq{GroupID: "g1", UserIDs: []string{"carol"}})
	must(err)
	if len(mi.Members) != 1 || mi.Members[0].Nickname != "Carol" {
		t.Fatalf("get_group_members_info: %+v", mi)
	}
	ids, err := c.GetGroupMemberUserID(ctx, &client.GroupIDReq{GroupID: "g1"})
	must(err)
	if !slices.Equal(ids.UserIDs, []string{"alice", "bob", "carol"}) {
		t.Fatalf("get_group_member_user_id: %v", ids.UserIDs)
	}
	abs, err := c.GetGroupAbstractInfo(ctx, &client.GroupIDsReq{GroupIDs: []string{"g1"}})
	must(err)
	if abs.GroupAbstractInfos[0].GroupMemberNumber != 3 {
		t.Fatalf("get_group_abstract_info: %+v", abs)
	}
	must(c.SetGroupMemberInfo(ctx, &client.SetMemberInfoReq{Members: []client.MemberPatch{{GroupID: "g1", UserID: "bob", RoleLevel: ptr[int32](client.RoleAdmin)}}}))
	must(c.MuteGroupMember(ctx, &client.MuteMemberReq{GroupID: "g1", UserID: "carol", MutedSeconds: 60}))
	must(c.CancelMuteGroupMember(ctx, &client.CancelMuteMemberReq{GroupID: "g1", UserID: "carol"}))
	must(c.MuteGroup(ctx, &client.GroupIDReq{GroupID: "g1"}))
	must(c.CancelMuteGroup(ctx, &client.GroupIDReq{GroupID: "g1"}))
	found, err := c.GetGroups(ctx, &client.GetGroupsReq{Pagination: client.Pagination{PageNumber: 1}, GroupName: "Tea"})
	must(err)
	if found.Total != 1 || found.Groups[0].GroupOwnerUserName != "Alice A." {
		t.Fatalf("get_groups: %+v", found)
	}

	// Join requests: needVerification 0 makes dave's application pending.
	must(c.JoinGroup(ctx, &client.JoinGroupReq{GroupID: "g1", UserID: "dave", JoinSource: 3, ReqMessage: "hi"}))
	recv, err := c.GetRecvGroupApplicationList(ctx, &client.RecvApplicationListReq{FromUserID: "alice", Pagination: client.Pagination{PageNumber: 1}})
	must(err)
	if recv.Total != 1 || recv.GroupRequests[0].UserInfo.UserID != "dave" {
		t.Fatalf("get_recv_group_applicationList: %+v", recv)
	}
	mine, err := c.GetUserReqGroupApplicationList(ctx, &client.UserReqApplicationListReq{UserID: "dave", Pagination: client.Pagination{PageNumber: 1}})
	must(err)
	if mine.Total != 1 {
		t.Fatalf("get_user_req_group_applicationList: %+v", mine)
	}
	gu, err := c.GetGroupUsersReqApplicationList(ctx, &client.GroupUsersReqApplicationListReq{GroupID: "g1", UserIDs: []string{"dave"}})
	must(err)
	if gu.Total != 1 {
		t.Fatalf("get_group_users_req_application_list: %+v", gu)
	}
	one, err := c.GetSpecifiedUserGroupRequestInfo(ctx, &client.SpecifiedUserGroupRequestReq{GroupID: "g1", UserID: "dave"})
	must(err)
	if one.Total != 1 {
		t.Fatalf("get_specified_user_group_request_info: %+v", one)
	}
	n, err := c.GetGroupApplicationUnhandledCount(ctx, &client.UnhandledCountReq{UserID: "alice"})
	must(err)
	if n.Count != 1 {
		t.Fatalf("get_group_application_unhandled_count: %+v", n)
	}
	must(c.GroupApplicationResponse(ctx, &client.ApplicationResponseReq{GroupID: "g1", FromUserID: "dave", HandleResult: 1}))

	// Incremental sync.
	ij, err := c.GetIncrementalJoinGroups(ctx, &client.IncrementalJoinGroupsReq{UserID: "dave"})
	must(err)
	im, err := c.GetIncrementalGroupMembers(ctx, &client.IncrementalGroupMembersReq{GroupID: "g1"})
	must(err)
	batch, err := c.GetIncrementalGroupMembersBatch(ctx, &client.IncrementalGroupMembersBatchReq{UserID: "alice",
		ReqList: []client.IncrementalGroupMembersReq{{GroupID: "g1", VersionID: im.VersionID, Version: im.Version}}})
	must(err)
	if _, ok := batch.RespList["g1"]; !ok {
		t.Fatalf("batch: %+v", batch)
	}
	fj, err := c.GetFullJoinGroupIDs(ctx, &client.FullJoinGroupIDsReq{UserID: "dave"})
	must(err)
	if !slices.Equal(fj.GroupIDs, []string{"g1"}) || ij.VersionID == "" {
		t.Fatalf("get_full_join_group_ids: %+v (incremental %+v)", fj, ij)
	}
	fm, err := c.GetFullGroupMemberUserIDs(ctx, &client.FullGroupMemberUserIDsReq{GroupID: "g1"})
	must(err)
	if len(fm.UserIDs) != 4 {
		t.Fatalf("get_full_group_member_user_ids: %+v", fm)
	}

	// Tokens and the rest of the group life.
	bobTok, err := c.GetUserToken(ctx, &client.UserPlatformReq{UserID: "bob", PlatformID: 1})
	must(err)
	bob := c.WithUserToken(bobTok.Token)
	parsed, err := bob.ParseToken(ctx, &client.ParseTokenReq{})
	must(err)
	if parsed.UserID != "bob" || parsed.PlatformID != 1 {
		t.Fatalf("parse_token: %+v", parsed)
	}
	must(c.KickGroup(ctx, &client.KickReq{GroupID: "g1", KickedUserIDs: []string{"carol"}}))
	must(bob.QuitGroup(ctx, &client.QuitReq{GroupID: "g1"}))
	must(c.TransferGroup(ctx, &client.TransferReq{GroupID: "g1", OldOwnerUserID: "alice", NewOwnerUserID: "dave"}))
	must(c.ForceLogout(ctx, &client.UserPlatformReq{UserID: "bob", PlatformID: 1}))
	if _, err := bob.ParseToken(ctx, &client.ParseTokenReq{}); !client.IsCode(err, client.CodeTokenKicked) {
		t.Fatalf("parse_token after force_logout: %v", err)
	}
	must(c.DismissGroup(ctx, &client.DismissReq{GroupID: "g1"}))

	// Every endpoint was called with success, and its data decodes strictly.
	for _, ep := range client.Endpoints() {
		bodies := rec.bodies[ep.Path]
		ok := false
		for _, b := range bodies {
			var env struct {
				ErrCode int             `json:"errCode"`
				Data    json.RawMessage `json:"data"`
			}
			if err := json.Unmarshal(b, &env); err != nil || env.ErrCode != 0 {
				continue
			}
			ok = true
			if ep.Response == nil {
				if len(env.Data) != 0 {
					t.Errorf("%s: data %s, want none", ep.Path, env.Data)
				}
				continue
			}
			dec := json.NewDecoder(bytes.NewReader(env.Data))
			dec.DisallowUnknownFields()
			if err := dec.Decode(reflect.New(ep.Response).Interface()); err != nil {
				t.Errorf("%s: data does not decode strictly into %v: %v\n%s", ep.Path, ep.Response, err, env.Data)
			}
		}
		if !ok {
			t.Errorf("%s was never answered with errCode 0", ep.Path)
		}
	}
}

// TestEndpointsMatchServer: the client covers exactly the server's routes,
// and each request type has the server's JSON fields.
func TestEndpointsMatchServer(t *testing.T) {
	server := map[string]openim.Route{}
	for _, r := range openim.Routes() {
		server[r.Path] = r
	}
	for _, ep := range client.Endpoints() {
		r, ok := server[ep.Path]
		if !ok {
			t.Errorf("client has %s, the server does not serve it", ep.Path)
			continue
		}
		delete(server, ep.Path)
		if r.Public != ep.Public {
			t.Errorf("%s: client says public=%v, server %v", ep.Path, ep.Public, r.Public)
		}
		if want, got := jsonFields(r.Request, ""), jsonFields(ep.Request, ""); !slices.Equal(want, got) {
			t.Errorf("%s: request fields\n client %v\n server %v", ep.Path, got, want)
		}
		if _, ok := reflect.PointerTo(reflect.TypeFor[client.Client]()).MethodByName(ep.Method); !ok {
			t.Errorf("%s: no method Client.%s", ep.Path, ep.Method)
		}
	}
	for p := range server {
		t.Errorf("the server serves %s, the client lacks it", p)
	}
}

var unmarshaler = reflect.TypeFor[json.Unmarshaler]()

// jsonFields lists the JSON key paths of t, sorted; types with their own
// UnmarshalJSON are leaves.
func jsonFields(t reflect.Type, prefix string) []string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || reflect.PointerTo(t).Implements(unmarshaler) {
		return nil
	}
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Tag.Get("json") == "" {
			out = append(out, jsonFields(f.Type, prefix)...)
			continue
		}
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, prefix+name)
		out = append(out, jsonFields(f.Type, prefix+name+".")...)
	}
	slices.Sort(out)
	return out
}

func TestErrorIsTyped(t *testing.T) {
	c, _, _ := newClient(t)
	_, err := c.GetGroupsInfo(context.Background(), &client.GroupIDsReq{GroupIDs: []string{"404"}})
	var ce *client.Error
	if !errors.As(err, &ce) {
		t.Fatalf("err %v (%T), want *client.Error", err, err)
	}
	if ce.Code != client.CodeRecordNotFound || ce.Msg != "RecordNotFoundError" || !strings.Contains(ce.Dlt, "[1004]") ||
		ce.Path != "/group/get_groups_info" || ce.OperationID == "" {
		t.Fatalf("error %+v", ce)
	}
	if !client.IsCode(err, 1004) || client.IsCode(err, 1001) {
		t.Fatal("IsCode")
	}

	// A wrong secret is an error too, from the token fetch.
	bad := client.New(c.BaseURL(), client.WithSecret("wrong"))
	err = bad.UserRegister(context.Background(), &client.UserRegisterReq{Users: []client.NewUser{{UserID: "x"}}})
	if !client.IsCode(err, client.CodeNoPermission) {
		t.Fatalf("wrong secret: %v", err)
	}
	// No token at all: OpenIM's own answer.
	none := client.New(c.BaseURL())
	if err := none.MuteGroup(context.Background(), &client.GroupIDReq{GroupID: "g"}); !errors.As(err, &ce) || ce.Dlt != "header must have token" {
		t.Fatalf("no token: %v", err)
	}
}

func TestOperationIDs(t *testing.T) {
	c, _, rec := newClient(t)
	ctx := context.Background()
	for range 3 {
		c.GetUsers(ctx, &client.PageReq{Pagination: client.Pagination{PageNumber: 1}})
	}
	c.GetUsers(client.WithOperationID(ctx, "mine-42"), &client.PageReq{Pagination: client.Pagination{PageNumber: 1}})
	seen := map[string]bool{}
	for _, h := range rec.headers {
		id := h.Get("operationID")
		if id == "" || seen[id] {
			t.Fatalf("operationID %q empty or repeated", id)
		}
		seen[id] = true
	}
	if !seen["mine-42"] {
		t.Fatalf("operationID from the context not sent: %v", seen)
	}
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func adminTokenFetches(rec *recorder) int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return len(rec.bodies["/auth/get_admin_token"])
}

func TestAdminTokenIsRefreshedBeforeExpiry(t *testing.T) {
	clk := &fakeClock{t: time.Now()}
	c, _, rec := newClient(t, client.WithClock(clk.Now))
	ctx := context.Background()
	page := &client.PageReq{Pagination: client.Pagination{PageNumber: 1}}
	for range 3 {
		if _, err := c.GetUsers(ctx, page); err != nil {
			t.Fatal(err)
		}
	}
	if n := adminTokenFetches(rec); n != 1 {
		t.Fatalf("%d token fetches for 3 calls, want 1", n)
	}
	// The server's tokens live 90 days; past 90 days minus the refresh
	// margin (an hour), the client fetches a new one before calling.
	clk.Add(90*24*time.Hour - 59*time.Minute)
	if _, err := c.GetUsers(ctx, page); err != nil {
		t.Fatal(err)
	}
	if n := adminTokenFetches(rec); n != 2 {
		t.Fatalf("%d token fetches after the refresh point, want 2", n)
	}
}

func TestKickedAdminTokenIsReplaced(t *testing.T) {
	c, _, rec := newClient(t)
	ctx := context.Background()
	page := &client.PageReq{Pagination: client.Pagination{PageNumber: 1}}
	if _, err := c.GetUsers(ctx, page); err != nil {
		t.Fatal(err)
	}
	// Kick every admin token issued so far (the admin platform is 10).
	if err := c.ForceLogout(ctx, &client.UserPlatformReq{UserID: "imAdmin", PlatformID: 10}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetUsers(ctx, page); err != nil {
		t.Fatalf("call after the admin token was kicked: %v", err)
	}
	if n := adminTokenFetches(rec); n != 2 {
		t.Fatalf("%d token fetches, want 2", n)
	}
}
