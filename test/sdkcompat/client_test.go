package sdkcompat

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/openimsdk/openim-sdk-core/v3/pkg/api"
	"github.com/openimsdk/openim-sdk-core/v3/pkg/ccontext"
	"github.com/openimsdk/openim-sdk-core/v3/pkg/network"
	"github.com/openimsdk/openim-sdk-core/v3/sdk_struct"
	"github.com/openimsdk/protocol/auth"
	"github.com/openimsdk/protocol/group"
	"github.com/openimsdk/protocol/sdkws"
	"github.com/openimsdk/protocol/user"
	"github.com/openimsdk/tools/errs"
)

// OpenIM error codes the tests expect.
const (
	codeArgs          = 1001
	codeNoPermission  = 1002
	codeNotFound      = 1004
	codeUserNotFound  = 1101
	codeRegistered    = 1102
	codeDismissed     = 1204
	codeTokenKicked   = 1506
	adminUserID       = "imAdmin"
	platformIOS       = 1
	platformAndroid   = 2
	roleOwner         = 100
	roleAdmin         = 60
	roleOrdinary      = 20
	groupTypeWorking  = 2
	joinBySearch      = 3
	verifyAll         = 1
	verifyDirectly    = 2
	statusDismissed   = 2
	statusMuted       = 3
	handleAgree       = 1
	maxShowNumberTest = 5000
)

// route is an OpenIM route as the SDK calls it: pkg/api's typed callers
// (api.Api) and, for the routes pkg/api does not list, rawRoute.
type route[Req, Resp any] interface {
	Invoke(ctx context.Context, req *Req) (*Resp, error)
	Route() string
}

// rawRoute calls a route pkg/api has no caller for through the SDK's own
// HTTP caller (network.ApiPost, which pkg/api's Invoke wraps), with the
// protocol structs.
type rawRoute[Req, Resp any] struct{ path string }

func (r rawRoute[Req, Resp]) Invoke(ctx context.Context, req *Req) (*Resp, error) {
	var resp Resp
	if err := network.ApiPost(ctx, r.path, req, &resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

func (r rawRoute[Req, Resp]) Route() string { return r.path }

// The OpenIM routes groupd serves that openim-sdk-core v3.8.3's pkg/api does
// not list (the SDK either reaches them through the admin/server side or
// not at all), with the protocol structs of the version the SDK pins.
var (
	forceLogout                     = rawRoute[auth.ForceLogoutReq, auth.ForceLogoutResp]{"/auth/force_logout"}
	getUsers                        = rawRoute[user.GetPaginationUsersReq, user.GetPaginationUsersResp]{"/user/get_users"}
	setGroupInfo                    = rawRoute[group.SetGroupInfoReq, group.SetGroupInfoResp]{"/group/set_group_info"}
	getGroupMemberUserID            = rawRoute[group.GetGroupMemberUserIDsReq, group.GetGroupMemberUserIDsResp]{"/group/get_group_member_user_id"}
	getGroupAbstractInfo            = rawRoute[group.GetGroupAbstractInfoReq, group.GetGroupAbstractInfoResp]{"/group/get_group_abstract_info"}
	getGroupUsersReqApplicationList = rawRoute[group.GetGroupUsersReqApplicationListReq, group.GetGroupUsersReqApplicationListResp]{"/group/get_group_users_req_application_list"}
	getSpecifiedUserGroupRequest    = rawRoute[group.GetSpecifiedUserGroupRequestInfoReq, group.GetSpecifiedUserGroupRequestInfoResp]{"/group/get_specified_user_group_request_info"}
	getGroupApplicationUnhandled    = rawRoute[unhandledCountReq, unhandledCountResp]{"/group/get_group_application_unhandled_count"}
	getGroups                       = rawRoute[group.GetGroupsReq, group.GetGroupsResp]{"/group/get_groups"}
	getIncrementalGroupMembers      = rawRoute[group.GetIncrementalGroupMemberReq, group.GetIncrementalGroupMemberResp]{"/group/get_incremental_group_members"}
)

// unhandledCountReq and unhandledCountResp are OpenIM's
// GetGroupApplicationUnhandledCountReq/Resp (group.proto of later protocol
// versions); the protocol version openim-sdk-core v3.8.3 pins has no such
// message, so they are declared here with OpenIM's JSON names.
type unhandledCountReq struct {
	UserID string `json:"userID"`
	Time   int64  `json:"time"`
}

type unhandledCountResp struct {
	Count int64 `json:"count"`
}

// env is one running groupd as the tests see it.
type env struct {
	name    string
	apiAddr string // http://127.0.0.1:port
	admin   *caller

	seq    atomic.Int64
	mu     sync.Mutex
	tokens map[string]*caller // user callers by userID
}

// init gets the app admin's token.
func (e *env) init() error {
	e.tokens = map[string]*caller{}
	anon := &caller{env: e}
	resp, err := api.GetAdminToken.Invoke(anon.ctx(), &auth.GetAdminTokenReq{Secret: adminSecret, UserID: adminUserID})
	if err != nil {
		return fmt.Errorf("get_admin_token: %w", err)
	}
	if resp.Token == "" {
		return errors.New("get_admin_token answered no token")
	}
	e.admin = &caller{env: e, userID: adminUserID, token: resp.Token, platformID: platformIOS}
	return nil
}

// eachBackend runs f once per backend, as parallel subtests named after
// the backend. Each backend is its own server and database, and every test
// makes its own users and groups, so the runs do not interfere.
func eachBackend(t *testing.T, f func(t *testing.T, e *env)) {
	t.Helper()
	if len(backends) == 0 {
		t.Fatal("no backend: TestMain did not start groupd")
	}
	for _, e := range backends {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			f(t, e)
		})
	}
}

// caller is a logged-in SDK user: the SDK's context carries its token, the
// API address and a fresh operationID per call.
type caller struct {
	env        *env
	userID     string
	token      string
	platformID int32
}

func (c *caller) ctx() context.Context {
	ctx := ccontext.WithInfo(context.Background(), &ccontext.GlobalConfig{
		UserID: c.userID,
		Token:  c.token,
		IMConfig: sdk_struct.IMConfig{
			PlatformID: c.platformID,
			ApiAddr:    c.env.apiAddr,
		},
	})
	return ccontext.WithOperationID(ctx, fmt.Sprintf("sdkcompat-%s-%d", c.env.name, c.env.seq.Add(1)))
}

// as returns a caller logged in as userID (platform iOS), getting its token
// once through get_user_token.
func (e *env) as(t *testing.T, userID string) *caller {
	t.Helper()
	e.mu.Lock()
	c := e.tokens[userID]
	e.mu.Unlock()
	if c != nil {
		return c
	}
	resp := call(t, e.admin, api.GetUsersToken, &auth.GetUserTokenReq{PlatformID: platformIOS, UserID: userID})
	if resp.Token == "" {
		t.Fatalf("get_user_token %s: no token", userID)
	}
	c = &caller{env: e, userID: userID, token: resp.Token, platformID: platformIOS}
	e.mu.Lock()
	e.tokens[userID] = c
	e.mu.Unlock()
	return c
}

// call invokes r as c and fails the test on any error, a failure to decode
// the answer included.
func call[Req, Resp any](t *testing.T, c *caller, r route[Req, Resp], req *Req) *Resp {
	t.Helper()
	resp, err := r.Invoke(c.ctx(), req)
	if err != nil {
		t.Fatalf("%s as %s: %v", r.Route(), c.userID, err)
	}
	return resp
}

// errCode is the OpenIM errCode of an SDK error: 0 for nil, -1 when the
// error carries no code.
func errCode(err error) int {
	if err == nil {
		return 0
	}
	var ce errs.CodeError
	if errors.As(err, &ce) {
		return ce.Code()
	}
	return -1
}

// wantCode invokes r as c and requires the errCode want.
func wantCode[Req, Resp any](t *testing.T, c *caller, r route[Req, Resp], req *Req, want int) {
	t.Helper()
	_, err := r.Invoke(c.ctx(), req)
	if got := errCode(err); got != want {
		t.Errorf("%s as %s: errCode %d, want %d (error: %v)", r.Route(), c.userID, got, want, err)
	}
}

var idSeq atomic.Int64

// newID returns a fresh ID with prefix; the numeric part is zero-padded, so
// IDs made later sort after IDs made earlier.
func newID(prefix string) string {
	return fmt.Sprintf("%s%09d", prefix, idSeq.Add(1))
}

// users registers n fresh users and returns their IDs in creation order.
func (e *env) users(t *testing.T, n int) []string {
	t.Helper()
	req := &user.UserRegisterReq{}
	ids := make([]string, n)
	for i := range ids {
		ids[i] = newID("u")
		req.Users = append(req.Users, &sdkws.UserInfo{UserID: ids[i], Nickname: "Nick-" + ids[i], FaceURL: "https://example.com/" + ids[i] + ".png"})
	}
	call(t, e.admin, api.UserRegister, req)
	return ids
}

// groupSpec is a group to create.
type groupSpec struct {
	owner            string
	admins           []string
	members          []string
	needVerification int32
}

// group creates the group (as the app admin) and returns its ID.
func (e *env) group(t *testing.T, s groupSpec) string {
	t.Helper()
	id := newID("g")
	resp := call(t, e.admin, api.CreateGroup, &group.CreateGroupReq{
		OwnerUserID:   s.owner,
		AdminUserIDs:  s.admins,
		MemberUserIDs: s.members,
		GroupInfo: &sdkws.GroupInfo{
			GroupID:          id,
			GroupName:        "Group-" + id,
			GroupType:        groupTypeWorking,
			NeedVerification: s.needVerification,
		},
	})
	if resp.GroupInfo == nil || resp.GroupInfo.GroupID != id {
		t.Fatalf("create_group %s: answered groupInfo %+v", id, resp.GroupInfo)
	}
	return id
}

// groupInfo reads one group as the app admin.
func (e *env) groupInfo(t *testing.T, groupID string) *sdkws.GroupInfo {
	t.Helper()
	resp := call(t, e.admin, api.GetGroupsInfo, &group.GetGroupsInfoReq{GroupIDs: []string{groupID}})
	if len(resp.GroupInfos) != 1 || resp.GroupInfos[0] == nil || resp.GroupInfos[0].GroupID != groupID {
		t.Fatalf("get_groups_info %s: answered %v", groupID, resp.GroupInfos)
	}
	return resp.GroupInfos[0]
}

// member reads one member as the app admin; nil when not a member.
func (e *env) member(t *testing.T, groupID, userID string) *sdkws.GroupMemberFullInfo {
	t.Helper()
	resp := call(t, e.admin, api.GetGroupMembersInfo, &group.GetGroupMembersInfoReq{GroupID: groupID, UserIDs: []string{userID}})
	for _, m := range resp.Members {
		if m.UserID == userID {
			return m
		}
	}
	return nil
}

// memberIDs reads the group's member IDs (get_group_member_user_id) as the
// app admin.
func (e *env) memberIDs(t *testing.T, groupID string) []string {
	t.Helper()
	return call(t, e.admin, getGroupMemberUserID, &group.GetGroupMemberUserIDsReq{GroupID: groupID}).UserIDs
}

// joinedGroupIDs reads userID's groups (get_joined_group_list) as the app
// admin.
func (e *env) joinedGroupIDs(t *testing.T, userID string) []string {
	t.Helper()
	resp := call(t, e.admin, api.GetJoinedGroupList, &group.GetJoinedGroupListReq{
		FromUserID: userID, Pagination: &sdkws.RequestPagination{PageNumber: 1, ShowNumber: 1000}})
	var ids []string
	for _, g := range resp.Groups {
		ids = append(ids, g.GroupID)
	}
	return ids
}

func page(n int32) *sdkws.RequestPagination {
	return &sdkws.RequestPagination{PageNumber: 1, ShowNumber: n}
}

func memberUserIDs(ms []*sdkws.GroupMemberFullInfo) []string {
	ids := make([]string, 0, len(ms))
	for _, m := range ms {
		ids = append(ids, m.UserID)
	}
	return ids
}

func requestUsers(rs []*sdkws.GroupRequest) []string {
	var ids []string
	for _, r := range rs {
		if r.UserInfo != nil {
			ids = append(ids, r.UserInfo.UserID)
		}
	}
	return ids
}

// findRequest finds the request of userID to groupID in rs.
func findRequest(rs []*sdkws.GroupRequest, groupID, userID string) *sdkws.GroupRequest {
	for _, r := range rs {
		if r.UserInfo != nil && r.UserInfo.UserID == userID && r.GroupInfo != nil && r.GroupInfo.GroupID == groupID {
			return r
		}
	}
	return nil
}

// sameSet reports whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
