// Package invariants checks, through both wire dialects on every store, the
// invariants that concurrency threatens: no more members than
// MemberCountLimit, exactly one owner, memberCount equal to the member rows,
// and GroupDataSeq raised once per acknowledged change.
package invariants

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/groupd/groupd/api/apitest"
	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/internal/teststore"
	"github.com/groupd/groupd/openim"
	"github.com/groupd/groupd/storecache"
	"github.com/groupd/groupd/zim"
)

const (
	secret    = "invariants-admin-secret-0123456789"
	zimAppID  = 31337
	zimSecret = "invariants-zim-server-secret"
)

// stack is both dialects over one store, as cmd/groupd mounts them.
type stack struct {
	t      *testing.T
	url    string
	client *http.Client
	admin  string
	nonce  atomic.Int64
}

// eachStore runs fn on SQLite (bare, and behind the in-memory read cache as
// cmd/groupd runs it) and on PostgreSQL when a test server is reachable.
func eachStore(t *testing.T, fn func(t *testing.T, s *stack)) {
	teststore.Each(t, func(t *testing.T, k teststore.Kind) {
		t.Run("bare", func(t *testing.T) { fn(t, newStack(t, teststore.Open(t, k))) })
		if k == teststore.SQLite {
			t.Run("cached", func(t *testing.T) {
				fn(t, newStack(t, storecache.New(teststore.Open(t, k), storecache.NewMemory(0), storecache.Options{})))
			})
		}
	})
}

func newStack(t *testing.T, store domain.Store) *stack {
	t.Helper()
	svc := domain.NewService(store, domain.Options{})
	log := slog.New(slog.DiscardHandler)
	mux := http.NewServeMux()
	oh := openim.NewHandler(svc, openim.Config{Secret: secret}, log)
	for _, p := range []string{"/auth/", "/user/", "/group/"} {
		mux.Handle(p, oh)
	}
	mux.Handle("/{$}", zim.NewHandler(svc, zim.Config{AppID: zimAppID, ServerSecret: zimSecret}, log))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s := &stack{t: t, url: srv.URL, client: &http.Client{Timeout: time.Minute, Transport: apitest.Transport(t, &http.Transport{MaxIdleConnsPerHost: 256})}}
	s.admin = s.data(s.must(s.openim("/auth/get_admin_token", "", map[string]any{"secret": secret, "userID": "imAdmin"})))["token"].(string)
	return s
}

type envelope struct {
	ErrCode int             `json:"errCode"`
	ErrDlt  string          `json:"errDlt"`
	Data    json.RawMessage `json:"data"`
}

// openim posts as token ("" = the app admin). Transport failures fail the test.
func (s *stack) openim(path, token string, body any) envelope {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, s.url+path, bytes.NewReader(b))
	req.Header.Set("operationID", "inv-"+strconv.FormatInt(s.nonce.Add(1), 10))
	if token == "" {
		token = s.admin
	}
	req.Header.Set("token", token)
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Errorf("%s: %v", path, err)
		return envelope{ErrCode: -1}
	}
	defer resp.Body.Close()
	var env envelope
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || json.Unmarshal(raw, &env) != nil {
		s.t.Errorf("%s: HTTP %d: %s", path, resp.StatusCode, raw)
		return envelope{ErrCode: -1}
	}
	if env.ErrCode == 500 {
		s.t.Errorf("%s: server error: %s", path, raw)
	}
	return env
}

func (s *stack) must(env envelope) envelope {
	s.t.Helper()
	if env.ErrCode != 0 {
		s.t.Fatalf("errCode %d: %s", env.ErrCode, env.ErrDlt)
	}
	return env
}

func (s *stack) data(env envelope) map[string]any {
	var m map[string]any
	json.Unmarshal(env.Data, &m)
	return m
}

type zimReply struct {
	Code         int    `json:"Code"`
	Message      string `json:"Message"`
	GroupDataSeq int64  `json:"GroupDataSeq"`
	ErrorList    []any  `json:"ErrorList"`
}

func (s *stack) zim(method, action string, params url.Values, body any) zimReply {
	n := strconv.FormatInt(s.nonce.Add(1), 10) + "-" + strconv.FormatUint(rand.Uint64(), 36)
	ts := time.Now().Unix()
	q := url.Values{"Action": {action}, "AppId": {strconv.Itoa(zimAppID)}, "SignatureNonce": {n}, "Timestamp": {strconv.FormatInt(ts, 10)},
		"SignatureVersion": {"2.0"}, "Signature": {zim.Sign(zimAppID, n, zimSecret, ts)}}
	for k, v := range params {
		q[k] = v
	}
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.url+"/?"+q.Encode(), rd)
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Errorf("%s: %v", action, err)
		return zimReply{Code: -1}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r zimReply
	if json.Unmarshal(raw, &r) != nil {
		s.t.Errorf("%s: %s", action, raw)
		return zimReply{Code: -1}
	}
	if r.Code == zim.CodeServerError {
		s.t.Errorf("%s: server error: %s", action, raw)
	}
	return r
}

func uid(i int) string { return fmt.Sprintf("u%03d", i) }

func (s *stack) registerUsers(n int) {
	users := make([]map[string]any, n)
	for i := range users {
		users[i] = map[string]any{"userID": uid(i)}
	}
	s.must(s.openim("/user/user_register", "", map[string]any{"users": users}))
}

func (s *stack) userToken(id string) string {
	return s.data(s.must(s.openim("/auth/get_user_token", "", map[string]any{"platformID": 1, "userID": id})))["token"].(string)
}

type member struct {
	UserID    string `json:"userID"`
	RoleLevel int    `json:"roleLevel"`
}

// check reads a group and checks memberCount against the member rows and
// the single owner; it returns the members.
func (s *stack) check(gid string) (owner string, members []member) {
	s.t.Helper()
	var gi struct {
		GroupInfos []struct {
			OwnerUserID string `json:"ownerUserID"`
			MemberCount int64  `json:"memberCount"`
		} `json:"groupInfos"`
	}
	json.Unmarshal(s.must(s.openim("/group/get_groups_info", "", map[string]any{"groupIDs": []string{gid}})).Data, &gi)
	var ml struct {
		Total   int64    `json:"total"`
		Members []member `json:"members"`
	}
	json.Unmarshal(s.must(s.openim("/group/get_group_member_list", "", map[string]any{"groupID": gid,
		"pagination": map[string]any{"pageNumber": 1, "showNumber": 1000}})).Data, &ml)
	g := gi.GroupInfos[0]
	if g.MemberCount != ml.Total || int64(len(ml.Members)) != ml.Total {
		s.t.Errorf("group %s: memberCount %d, member list total %d, %d listed", gid, g.MemberCount, ml.Total, len(ml.Members))
	}
	var owners []string
	for _, m := range ml.Members {
		if m.RoleLevel == domain.RoleOwner {
			owners = append(owners, m.UserID)
		}
	}
	if len(owners) != 1 || owners[0] != g.OwnerUserID {
		s.t.Errorf("group %s: owners by role %v, ownerUserID %s", gid, owners, g.OwnerUserID)
	}
	return g.OwnerUserID, ml.Members
}

func (s *stack) dataSeq(gid string) int64 {
	s.t.Helper()
	r := s.zim(http.MethodPost, "QueryGroupInfo", nil, map[string]any{"FromUserId": uid(0), "GroupId": gid})
	if r.Code != 0 {
		s.t.Fatalf("QueryGroupInfo %s: %d %s", gid, r.Code, r.Message)
	}
	return r.GroupDataSeq
}

// parallel runs n calls of fn at once (they all start together).
func parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			fn(i)
		}()
	}
	close(start)
	wg.Wait()
}

// 200 users try to enter a group limited to 100 at once, by every door:
// OpenIM join_group (each as themself), OpenIM invitations and ZIM
// InviteUsersIntoGroup. Exactly 100 end up inside, and they are exactly
// those who were told yes.
func TestMemberCountLimitUnderConcurrentJoins(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stack) {
		const users, limit = 201, 100
		s.registerUsers(users)
		tokens := make([]string, users)
		parallel(users, func(i int) {
			if i%3 == 0 && i > 0 {
				tokens[i] = s.userToken(uid(i))
			}
		})
		s.must(s.openim("/group/create_group", "", map[string]any{"ownerUserID": uid(0),
			"groupInfo": map[string]any{"groupID": "cap", "groupName": "cap", "groupType": 2, "needVerification": 2}}))
		if r := s.zim(http.MethodGet, "ModifyGroupLimit", url.Values{"FromUserId": {uid(0)}, "GroupId": {"cap"},
			"MemberCountLimit": {strconv.Itoa(limit)}}, nil); r.Code != 0 {
			t.Fatalf("ModifyGroupLimit: %+v", r)
		}
		var mu sync.Mutex
		var admitted []string
		parallel(users-1, func(i int) {
			id := uid(i + 1)
			ok := false
			switch (i + 1) % 3 {
			case 0: // joins by themself
				env := s.openim("/group/join_group", tokens[i+1], map[string]any{"groupID": "cap", "reqMessage": "hi", "joinSource": 3})
				ok = env.ErrCode == 0
			case 1: // invited through OpenIM
				env := s.openim("/group/invite_user_to_group", "", map[string]any{"groupID": "cap", "invitedUserIDs": []string{id}})
				ok = env.ErrCode == 0
			case 2: // invited through ZIM
				r := s.zim(http.MethodPost, "InviteUsersIntoGroup", nil, map[string]any{"FromUserId": uid(0), "GroupId": "cap", "UserIds": []string{id}})
				ok = r.Code == 0 && len(r.ErrorList) == 0
			}
			if ok {
				mu.Lock()
				admitted = append(admitted, id)
				mu.Unlock()
			}
		})
		_, members := s.check("cap")
		if len(admitted) != limit-1 {
			t.Errorf("%d entries acknowledged, want %d", len(admitted), limit-1)
		}
		if len(members) != limit {
			t.Errorf("%d members, want exactly %d", len(members), limit)
		}
		var ids []string
		for _, m := range members {
			if m.UserID != uid(0) {
				ids = append(ids, m.UserID)
			}
		}
		slices.Sort(ids)
		slices.Sort(admitted)
		if !slices.Equal(ids, admitted) {
			t.Errorf("members are not those acknowledged:\nmembers %v\nacked   %v", ids, admitted)
		}
	})
}

// Transfers, kicks, quits and invitations race on one group, through both
// dialects (ZIM's kick may remove the owner itself, handing the group to
// the earliest member). Readers running alongside and the final state see
// exactly one owner, and memberCount equal to the member rows.
func TestOneOwnerUnderStorm(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stack) {
		const users, ops = 60, 240
		s.registerUsers(users)
		var initial []string
		for i := 1; i < 30; i++ {
			initial = append(initial, uid(i))
		}
		s.must(s.openim("/group/create_group", "", map[string]any{"ownerUserID": uid(0), "memberUserIDs": initial,
			"groupInfo": map[string]any{"groupID": "storm", "groupName": "storm", "groupType": 2}}))

		stop := make(chan struct{})
		var readers sync.WaitGroup
		var reads atomic.Int64
		for range 2 {
			readers.Add(1)
			go func() {
				defer readers.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					var ml struct {
						Total   int64    `json:"total"`
						Members []member `json:"members"`
					}
					env := s.openim("/group/get_group_member_list", "", map[string]any{"groupID": "storm", "pagination": map[string]any{"pageNumber": 1, "showNumber": 1000}})
					json.Unmarshal(env.Data, &ml)
					owners := 0
					for _, m := range ml.Members {
						if m.RoleLevel == domain.RoleOwner {
							owners++
						}
					}
					if env.ErrCode == 0 && (owners != 1 || ml.Total != int64(len(ml.Members))) {
						t.Errorf("a reader saw %d owners, total %d with %d listed", owners, ml.Total, len(ml.Members))
					}
					reads.Add(1)
				}
			}()
		}
		var acked atomic.Int64
		parallel(ops, func(i int) {
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			u := uid(rng.IntN(users))
			var ok bool
			switch i % 7 {
			case 0:
				ok = s.openim("/group/transfer_group", "", map[string]any{"groupID": "storm", "newOwnerUserID": u}).ErrCode == 0
			case 1:
				ok = s.zim(http.MethodGet, "TransferGroupOwner", url.Values{"FromUserId": {uid(0)}, "GroupId": {"storm"}, "NewOwner": {u}}, nil).Code == 0
			case 2:
				ok = s.openim("/group/kick_group", "", map[string]any{"groupID": "storm", "kickedUserIDs": []string{u, uid(rng.IntN(users))}}).ErrCode == 0
			case 3:
				r := s.zim(http.MethodPost, "KickoutGroupUser", nil, map[string]any{"FromUserId": uid(0), "GroupId": "storm", "UserId": []string{u}})
				ok = r.Code == 0
			case 4:
				ok = s.openim("/group/quit_group", "", map[string]any{"groupID": "storm", "userID": u}).ErrCode == 0
			default:
				ok = s.openim("/group/invite_user_to_group", "", map[string]any{"groupID": "storm",
					"invitedUserIDs": []string{u, uid(rng.IntN(users))}}).ErrCode == 0
			}
			if ok {
				acked.Add(1)
			}
		})
		close(stop)
		readers.Wait()
		owner, members := s.check("storm")
		t.Logf("%d of %d storm writes acknowledged; %d concurrent reads; final owner %s of %d members", acked.Load(), ops, reads.Load(), owner, len(members))
		if acked.Load() < ops/4 {
			t.Errorf("only %d writes acknowledged", acked.Load())
		}
	})
}

// Concurrent changes of a group's own data, through both dialects, raise
// GroupDataSeq by exactly the number acknowledged.
func TestDataSeqCountsAcknowledgedChanges(t *testing.T) {
	eachStore(t, func(t *testing.T, s *stack) {
		const ops = 120
		s.registerUsers(3)
		s.must(s.openim("/group/create_group", "", map[string]any{"ownerUserID": uid(0), "memberUserIDs": []string{uid(1)},
			"groupInfo": map[string]any{"groupID": "seq", "groupName": "seq", "groupType": 2}}))
		owner := s.userToken(uid(0))
		member := s.userToken(uid(1))
		before := s.dataSeq("seq")
		var acked, refused atomic.Int64
		parallel(ops, func(i int) {
			name := fmt.Sprintf("name-%d", i) // every call changes the group
			var ok bool
			switch i % 5 {
			case 0: // the owner, through OpenIM
				ok = s.openim("/group/set_group_info", owner, map[string]any{"groupInfoForSet": map[string]any{"groupID": "seq", "groupName": name}}).ErrCode == 0
			case 1: // an ordinary member: refused, and must not count
				ok = s.openim("/group/set_group_info", member, map[string]any{"groupInfoForSet": map[string]any{"groupID": "seq", "groupName": name}}).ErrCode == 0
			case 2:
				ok = s.openim("/group/set_group_info_ex", "", map[string]any{"groupID": "seq", "introduction": name, "notification": name}).ErrCode == 0
			case 3:
				ok = s.zim(http.MethodPost, "UpdateGroupData", nil, map[string]any{"FromUserId": uid(0), "GroupId": "seq", "GroupName": name}).Code == 0
			case 4:
				ok = s.zim(http.MethodGet, "ModifyGroupLimit", url.Values{"FromUserId": {uid(0)}, "GroupId": {"seq"},
					"MemberCountLimit": {strconv.Itoa(1000 + i)}}, nil).Code == 0
			}
			if ok {
				acked.Add(1)
			} else {
				refused.Add(1)
			}
		})
		after := s.dataSeq("seq")
		if after-before != acked.Load() {
			t.Errorf("GroupDataSeq went from %d to %d (+%d) over %d acknowledged changes (%d refused)", before, after, after-before, acked.Load(), refused.Load())
		}
		if refused.Load() != ops/5 {
			t.Errorf("%d changes refused, want the %d of the ordinary member", refused.Load(), ops/5)
		}
		// A change that changes nothing does not count.
		s.must(s.openim("/group/set_group_info_ex", "", map[string]any{"groupID": "seq", "groupName": "same"}))
		seq := s.dataSeq("seq")
		s.must(s.openim("/group/set_group_info_ex", "", map[string]any{"groupID": "seq", "groupName": "same"}))
		if s.dataSeq("seq") != seq {
			t.Errorf("a change to the same value raised GroupDataSeq")
		}
	})
}
