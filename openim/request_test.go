package openim

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/groupd/groupd/domain"
)

// setVerification sets g1's join rule; domain.VerifyInviteOnly is ZIM's
// JoinMode 2, which OpenIM cannot set.
func (w *world) setVerification(t *testing.T, mode int) {
	t.Helper()
	if err := w.svc.UpdateGroup(context.Background(), domain.Actor{UserID: "imAdmin", Admin: true}, "g1",
		domain.GroupPatch{NeedVerification: &mode}); err != nil {
		t.Fatal(err)
	}
}

// requests decodes a request list reply.
func requests(t *testing.T, r reply) groupRequestsResp {
	t.Helper()
	var d groupRequestsResp
	if err := json.Unmarshal(r.Data, &d); err != nil {
		t.Fatalf("request list: %v: %s", err, r.raw)
	}
	if d.GroupRequests == nil {
		t.Fatalf("groupRequests is not a list: %s", r.raw)
	}
	return d
}

// userRequests lists userID's own requests (as the app admin).
func (w *world) userRequests(t *testing.T, userID string) []groupRequest {
	t.Helper()
	return requests(t, w.ok(t, "/group/get_user_req_group_applicationList", w.env.admin,
		map[string]any{"userID": userID, "pagination": map[string]any{"pageNumber": 1, "showNumber": 100}})).GroupRequests
}

func (w *world) isMember(t *testing.T, userID string) bool {
	t.Helper()
	return slices.Contains(w.memberIDs(t), userID)
}

// join_group: the applicant is the token's user; needVerification 2 joins
// directly, 0 and 1 file a pending request, invite-only answers 1002.
func TestJoinGroupModes(t *testing.T) {
	cases := []struct {
		mode   int
		source int
		code   int
		joined bool
	}{
		{domain.VerifyApplyNeedApproval, domain.JoinSourceSearch, 0, false},
		{domain.VerifyAllNeedApproval, domain.JoinSourceSearch, 0, false},
		{domain.VerifyDirect, domain.JoinSourceSearch, 0, true},
		{domain.VerifyApplyNeedApproval, domain.JoinSourceInvitation, 0, false},
		{domain.VerifyAllNeedApproval, domain.JoinSourceQRCode, 0, false},
		{domain.VerifyDirect, domain.JoinSourceInvitation, 0, true},
		{domain.VerifyInviteOnly, domain.JoinSourceSearch, codeNoPermission, false},
		{domain.VerifyInviteOnly, domain.JoinSourceInvitation, codeNoPermission, false},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("mode %d source %d", c.mode, c.source), func(t *testing.T) {
			w := newWorld(t)
			w.setVerification(t, c.mode)
			w.clock.Advance(time.Minute)
			now := w.clock.Now().UnixMilli()
			// As OpenIM's SDK sends it: inviterUserID is the applicant.
			body := map[string]any{"groupID": "g1", "reqMessage": "let me in", "joinSource": c.source, "ex": "e",
				"inviterUserID": "outsider"}
			if c.code != 0 {
				w.fail(t, "/group/join_group", w.outsider, body, c.code)
				if w.isMember(t, "outsider") || len(w.userRequests(t, "outsider")) != 0 {
					t.Fatal("refused join left a member or a request behind")
				}
				return
			}
			r := w.ok(t, "/group/join_group", w.outsider, body)
			jsonEqual(t, r.raw, `{"errCode":0,"errMsg":"","errDlt":""}`)
			if got := w.isMember(t, "outsider"); got != c.joined {
				t.Fatalf("member after join: %v, want %v", got, c.joined)
			}
			reqs := w.userRequests(t, "outsider")
			if c.joined {
				m := w.data(t, "/group/get_group_members_info", w.member, map[string]any{"groupID": "g1", "userIDs": []string{"outsider"}})
				got := m["members"].([]any)[0].(map[string]any)
				if got["joinSource"] != float64(c.source) || got["inviterUserID"] != "outsider" || got["operatorUserID"] != "outsider" ||
					got["joinTime"] != float64(now) || got["roleLevel"] != float64(20) || got["ex"] != "e" {
					t.Fatalf("joined member: %v", got)
				}
				if len(reqs) != 0 {
					t.Fatalf("direct join filed a request: %+v", reqs)
				}
				return
			}
			if len(reqs) != 1 {
				t.Fatalf("requests: %+v", reqs)
			}
			got := reqs[0]
			if got.HandleResult != 0 || got.ReqMsg != "let me in" || got.ReqTime != now || got.JoinSource != c.source ||
				got.InviterUserID != "" || got.Ex != "e" || got.UserInfo.UserID != "outsider" ||
				got.UserInfo.Nickname != "nick-outsider" || got.GroupInfo.GroupID != "g1" || got.GroupInfo.MemberCount != 4 {
				t.Fatalf("pending request: %+v", got)
			}
		})
	}
}

func TestJoinGroupErrors(t *testing.T) {
	join := func(extra map[string]any) map[string]any {
		b := map[string]any{"groupID": "g1", "reqMessage": "hi", "joinSource": domain.JoinSourceSearch}
		for k, v := range extra {
			b[k] = v
		}
		return b
	}
	cases := []struct {
		name string
		who  string
		body map[string]any
		code int
	}{
		// inviterUserID is the applicant (OpenIM's server reads it so). The
		// reference trusts any; groupd lets a user token apply only for itself.
		{"invitation without inviter", "outsider", join(map[string]any{"joinSource": 2}), codeArgs},
		{"applicant is another user", "outsider", join(map[string]any{"inviterUserID": "fresh"}), codeNoPermission},
		{"applicant is unknown", "outsider", join(map[string]any{"inviterUserID": "ghost"}), codeNoPermission},
		{"userID and inviterUserID differ", "appadmin", join(map[string]any{"inviterUserID": "outsider", "userID": "fresh"}), codeArgs},
		{"applicant already a member", "member", join(map[string]any{"inviterUserID": "member"}), codeArgs},
		{"app admin for a member by inviterUserID", "appadmin", join(map[string]any{"inviterUserID": "member"}), codeArgs},
		{"app admin for an unknown applicant", "appadmin", join(map[string]any{"inviterUserID": "ghost"}), codeRecordNotFound},
		{"joinSource 0", "outsider", join(map[string]any{"joinSource": 0}), codeArgs},
		{"joinSource 5", "outsider", join(map[string]any{"joinSource": 5}), codeArgs},
		{"no group", "outsider", join(map[string]any{"groupID": ""}), codeArgs},
		{"unknown group", "outsider", join(map[string]any{"groupID": "nope"}), codeGroupIDNotFound},
		{"already a member", "member", join(nil), codeArgs},
		{"for another user", "outsider", join(map[string]any{"userID": "fresh"}), codeNoPermission},
		{"app admin for a member", "appadmin", join(map[string]any{"userID": "member"}), codeArgs},
		{"app admin for an unknown user", "appadmin", join(map[string]any{"userID": "ghost"}), codeRecordNotFound},
		{"joinSource as string", "outsider", join(map[string]any{"joinSource": "3"}), codeArgs},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			r := w.fail(t, "/group/join_group", w.tok(c.who), c.body, c.code)
			if r.ErrDlt == "" {
				t.Fatal("no errDlt")
			}
			for _, u := range []string{"outsider", "fresh"} {
				if len(w.userRequests(t, u)) != 0 || w.isMember(t, u) {
					t.Fatalf("failed join left state for %s", u)
				}
			}
		})
	}

	// An app admin may name the applicant; the applicant's own name works too.
	w := newWorld(t)
	w.ok(t, "/group/join_group", w.env.admin, join(map[string]any{"userID": "fresh"}))
	w.ok(t, "/group/join_group", w.outsider, join(map[string]any{"userID": "outsider"}))
	if len(w.userRequests(t, "fresh")) != 1 || len(w.userRequests(t, "outsider")) != 1 {
		t.Fatal("requests by name missing")
	}
	// Dismissed: 1204.
	w.ok(t, "/group/dismiss_group", w.owner, map[string]any{"groupID": "g1"})
	w.fail(t, "/group/join_group", w.userToken(t, "fresh"), join(nil), codeDismissed)
}

// Re-applying replaces a pending request; after a refusal a new application
// is pending again.
func TestReapply(t *testing.T) {
	w := newWorld(t)
	w.ok(t, "/group/join_group", w.outsider, map[string]any{"groupID": "g1", "reqMessage": "first", "joinSource": 3})
	w.clock.Advance(time.Minute)
	second := w.clock.Now().UnixMilli()
	w.ok(t, "/group/join_group", w.outsider, map[string]any{"groupID": "g1", "reqMessage": "second", "joinSource": 4, "ex": "x"})
	reqs := w.userRequests(t, "outsider")
	if len(reqs) != 1 || reqs[0].ReqMsg != "second" || reqs[0].ReqTime != second || reqs[0].JoinSource != 4 || reqs[0].Ex != "x" {
		t.Fatalf("after re-applying: %+v", reqs)
	}
	w.ok(t, "/group/group_application_response", w.owner, map[string]any{"groupID": "g1", "fromUserID": "outsider", "handledMsg": "no", "handleResult": -1})
	w.ok(t, "/group/join_group", w.outsider, map[string]any{"groupID": "g1", "reqMessage": "third", "joinSource": 3})
	reqs = w.userRequests(t, "outsider")
	if len(reqs) != 1 || reqs[0].HandleResult != 0 || reqs[0].ReqMsg != "third" || reqs[0].HandleMsg != "" ||
		reqs[0].HandleUserID != "" || reqs[0].HandleTime != 0 {
		t.Fatalf("after re-applying to a refusal: %+v", reqs)
	}
}

func TestApplicationResponse(t *testing.T) {
	respond := func(from string, result int) map[string]any {
		return map[string]any{"groupID": "g1", "fromUserID": from, "handledMsg": "ok by me", "handleResult": result}
	}
	cases := []struct {
		name   string
		who    string
		body   map[string]any
		code   int
		joined bool
	}{
		{"owner agrees", "owner", respond("outsider", 1), 0, true},
		{"admin agrees", "admin", respond("outsider", 1), 0, true},
		{"app admin agrees", "appadmin", respond("outsider", 1), 0, true},
		{"owner refuses", "owner", respond("outsider", -1), 0, false},
		{"admin refuses", "admin", respond("outsider", -1), 0, false},
		{"member agrees", "member", respond("outsider", 1), codeNoPermission, false},
		{"outsider agrees", "fresh", respond("outsider", 1), codeRecordNotFound, false},
		{"applicant agrees", "outsider", respond("outsider", 1), codeRecordNotFound, false},
		{"no such request", "owner", respond("fresh", 1), codeRecordNotFound, false},
		{"handleResult 0", "owner", respond("outsider", 0), codeArgs, false},
		{"handleResult 2", "owner", respond("outsider", 2), codeArgs, false},
		{"no fromUserID", "owner", respond("", 1), codeArgs, false},
		{"unknown group", "appadmin", map[string]any{"groupID": "nope", "fromUserID": "outsider", "handleResult": 1}, codeGroupIDNotFound, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			w.ok(t, "/group/join_group", w.outsider, map[string]any{"groupID": "g1", "reqMessage": "hi", "joinSource": 3, "inviterUserID": "outsider"})
			w.clock.Advance(time.Minute)
			now := w.clock.Now().UnixMilli()
			tok := w.tok2(t, c.who)
			if c.code != 0 {
				w.fail(t, "/group/group_application_response", tok, c.body, c.code)
				if reqs := w.userRequests(t, "outsider"); reqs[0].HandleResult != 0 || w.isMember(t, "outsider") {
					t.Fatalf("failed response changed state: %+v", reqs)
				}
				return
			}
			w.ok(t, "/group/group_application_response", tok, c.body)
			if got := w.isMember(t, "outsider"); got != c.joined {
				t.Fatalf("member: %v, want %v", got, c.joined)
			}
			handler := map[string]string{"appadmin": "imAdmin"}[c.who]
			if handler == "" {
				handler = c.who
			}
			// The reference loses handleMsg, handleUserID and handleTime; groupd keeps them.
			reqs := w.userRequests(t, "outsider")
			want := c.body["handleResult"].(int)
			if len(reqs) != 1 || reqs[0].HandleResult != want || reqs[0].HandleMsg != "ok by me" ||
				reqs[0].HandleUserID != handler || reqs[0].HandleTime != now {
				t.Fatalf("handled request: %+v", reqs)
			}
			if c.joined {
				m := w.data(t, "/group/get_group_members_info", w.member, map[string]any{"groupID": "g1", "userIDs": []string{"outsider"}})
				got := m["members"].([]any)[0].(map[string]any)
				if got["joinSource"] != float64(3) || got["inviterUserID"] != "" || got["operatorUserID"] != handler || got["joinTime"] != float64(now) {
					t.Fatalf("joined member: %v", got)
				}
			}
			// Handling it again: 1206, whoever asks and whatever the answer.
			for _, again := range []int{1, -1} {
				w.fail(t, "/group/group_application_response", w.owner, respond("outsider", again), codeRequestHandled)
			}
		})
	}
}

// tok2 is tok plus tokens for the other registered users.
func (w *world) tok2(t *testing.T, who string) string {
	t.Helper()
	if who == "fresh" {
		return w.userToken(t, "fresh")
	}
	return w.tok(who)
}

// Invitations under each needVerification mode by each inviter role: only
// an ordinary member's invitation under mode 1 turns into requests.
func TestInviteModesByRole(t *testing.T) {
	for _, mode := range []int{domain.VerifyApplyNeedApproval, domain.VerifyAllNeedApproval, domain.VerifyDirect, domain.VerifyInviteOnly} {
		for _, who := range []string{"owner", "admin", "member", "appadmin"} {
			t.Run(fmt.Sprintf("mode %d by %s", mode, who), func(t *testing.T) {
				w := newWorld(t)
				w.register(t, "x1", "x2")
				w.setVerification(t, mode)
				w.ok(t, "/group/invite_user_to_group", w.tok(who), map[string]any{"groupID": "g1", "reason": "come", "invitedUserIDs": []string{"x1", "x2"}})
				inviter := map[string]string{"appadmin": "imAdmin"}[who]
				if inviter == "" {
					inviter = who
				}
				wantRequest := mode == domain.VerifyAllNeedApproval && who == "member"
				for _, x := range []string{"x1", "x2"} {
					reqs := w.userRequests(t, x)
					if w.isMember(t, x) == wantRequest || (len(reqs) == 1) != wantRequest {
						t.Fatalf("%s: member %v, requests %+v; want request %v", x, w.isMember(t, x), reqs, wantRequest)
					}
					if wantRequest && (reqs[0].JoinSource != 2 || reqs[0].InviterUserID != inviter || reqs[0].ReqMsg != "come" || reqs[0].HandleResult != 0) {
						t.Fatalf("%s: request %+v", x, reqs[0])
					}
				}
				if wantRequest {
					// The owner agrees: x1 joins, invited by the member.
					w.ok(t, "/group/group_application_response", w.owner, map[string]any{"groupID": "g1", "fromUserID": "x1", "handleResult": 1})
					m := w.data(t, "/group/get_group_members_info", w.member, map[string]any{"groupID": "g1", "userIDs": []string{"x1"}})
					got := m["members"].([]any)[0].(map[string]any)
					if got["inviterUserID"] != "member" || got["joinSource"] != float64(2) || got["operatorUserID"] != "owner" {
						t.Fatalf("x1 after approval: %v", got)
					}
				}
			})
		}
	}
}

// The request lists: paged, newest first, filtered by groupIDs and
// handleResults; received lists show only the groups one manages.
func TestRequestLists(t *testing.T) {
	e := newEnv(t)
	e.register(t, "owner", "admin", "member", "a1", "a2", "a3")
	e.createGroup(t, e.admin, "g1", "owner", []string{"admin"}, []string{"member"})
	e.createGroup(t, e.admin, "g2", "owner", nil, []string{"admin"}) // admin is an ordinary member of g2
	e.createGroup(t, e.admin, "g3", "member", nil, nil)
	tok := map[string]string{}
	for _, u := range []string{"owner", "admin", "member", "a1", "a2", "a3"} {
		tok[u] = e.userToken(t, u)
	}
	apply := func(user, group string) int64 {
		e.clock.Advance(time.Second)
		e.ok(t, "/group/join_group", tok[user], map[string]any{"groupID": group, "reqMessage": user + "→" + group, "joinSource": 3})
		return e.clock.Now().UnixMilli()
	}
	t0 := e.clock.Now().UnixMilli()
	apply("a1", "g1")
	apply("a2", "g1")
	tA3g1 := apply("a3", "g1")
	apply("a1", "g2")
	apply("a1", "g3")
	e.clock.Advance(time.Second)
	e.ok(t, "/group/group_application_response", tok["admin"], map[string]any{"groupID": "g1", "fromUserID": "a2", "handleResult": -1})
	e.ok(t, "/group/group_application_response", tok["owner"], map[string]any{"groupID": "g1", "fromUserID": "a3", "handleResult": 1})

	type key = string
	keys := func(reqs []groupRequest) []key {
		out := []key{}
		for _, r := range reqs {
			out = append(out, r.UserInfo.UserID+"→"+r.GroupInfo.GroupID)
		}
		return out
	}
	page := func(n, show int) map[string]any { return map[string]any{"pageNumber": n, "showNumber": show} }
	cases := []struct {
		name  string
		path  string
		token string
		body  map[string]any
		total int64
		want  []key
	}{
		{"recv owner all", "/group/get_recv_group_applicationList", tok["owner"], map[string]any{"fromUserID": "owner", "pagination": page(1, 10)},
			4, []key{"a1→g2", "a3→g1", "a2→g1", "a1→g1"}},
		{"recv owner page 2", "/group/get_recv_group_applicationList", tok["owner"], map[string]any{"fromUserID": "owner", "pagination": page(2, 3)},
			4, []key{"a1→g1"}},
		{"recv owner past the end", "/group/get_recv_group_applicationList", tok["owner"], map[string]any{"fromUserID": "owner", "pagination": page(3, 3)},
			4, []key{}},
		{"recv owner pending", "/group/get_recv_group_applicationList", tok["owner"], map[string]any{"fromUserID": "owner", "pagination": page(1, 10), "handleResults": []int{0}},
			2, []key{"a1→g2", "a1→g1"}},
		{"recv owner handled", "/group/get_recv_group_applicationList", tok["owner"], map[string]any{"fromUserID": "owner", "pagination": page(1, 10), "handleResults": []int{1, -1}},
			2, []key{"a3→g1", "a2→g1"}},
		{"recv owner g2", "/group/get_recv_group_applicationList", tok["owner"], map[string]any{"fromUserID": "owner", "pagination": page(1, 10), "groupIDs": []string{"g2"}},
			1, []key{"a1→g2"}},
		{"recv admin manages g1 only", "/group/get_recv_group_applicationList", tok["admin"], map[string]any{"fromUserID": "admin", "pagination": page(1, 10)},
			3, []key{"a3→g1", "a2→g1", "a1→g1"}},
		{"recv admin asks for g2", "/group/get_recv_group_applicationList", tok["admin"], map[string]any{"fromUserID": "admin", "pagination": page(1, 10), "groupIDs": []string{"g2"}},
			0, []key{}},
		{"recv member owns g3", "/group/get_recv_group_applicationList", tok["member"], map[string]any{"fromUserID": "member", "pagination": page(1, 10)},
			1, []key{"a1→g3"}},
		{"recv by app admin", "/group/get_recv_group_applicationList", e.admin, map[string]any{"fromUserID": "admin", "pagination": page(1, 1)},
			3, []key{"a3→g1"}},
		{"user a1", "/group/get_user_req_group_applicationList", tok["a1"], map[string]any{"userID": "a1", "pagination": page(1, 10)},
			3, []key{"a1→g3", "a1→g2", "a1→g1"}},
		{"user a1 filtered", "/group/get_user_req_group_applicationList", tok["a1"], map[string]any{"userID": "a1", "pagination": page(1, 10), "groupIDs": []string{"g1", "g3"}, "handleResults": []int{0}},
			2, []key{"a1→g3", "a1→g1"}},
		{"user a2 refused", "/group/get_user_req_group_applicationList", tok["a2"], map[string]any{"userID": "a2", "pagination": page(1, 10), "handleResults": []int{-1}},
			1, []key{"a2→g1"}},
		{"group users", "/group/get_group_users_req_application_list", tok["admin"], map[string]any{"groupID": "g1", "userIDs": []string{"a1", "a3", "ghost"}},
			2, []key{"a3→g1", "a1→g1"}},
		{"specified by applicant", "/group/get_specified_user_group_request_info", tok["a2"], map[string]any{"groupID": "g1", "userID": "a2"},
			1, []key{"a2→g1"}},
		{"specified by admin", "/group/get_specified_user_group_request_info", tok["admin"], map[string]any{"groupID": "g1", "userID": "a1"},
			1, []key{"a1→g1"}},
		{"specified none", "/group/get_specified_user_group_request_info", tok["owner"], map[string]any{"groupID": "g1", "userID": "member"},
			0, []key{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := requests(t, e.ok(t, c.path, c.token, c.body))
			if d.Total != c.total || !slices.Equal(keys(d.GroupRequests), c.want) {
				t.Fatalf("got total %d %v, want %d %v", d.Total, keys(d.GroupRequests), c.total, c.want)
			}
		})
	}

	// One whole request on the wire, after handling.
	r := e.ok(t, "/group/get_specified_user_group_request_info", tok["a3"], map[string]any{"groupID": "g1", "userID": "a3"})
	g1 := e.data(t, "/group/get_groups_info", tok["a3"], map[string]any{"groupIDs": []string{"g1"}})["groupInfos"].([]any)[0]
	gj, _ := json.Marshal(g1)
	jsonEqual(t, r.Data, fmt.Sprintf(`{"total":1,"groupRequests":[{"userInfo":{"userID":"a3","nickname":"nick-a3","faceURL":"","ex":""},
		"groupInfo":%s,"handleResult":1,"reqMsg":"a3→g1","handleMsg":"","reqTime":%d,"handleUserID":"owner","handleTime":%d,
		"ex":"","joinSource":3,"inviterUserID":""}]}`, gj, tA3g1, e.clock.Now().UnixMilli()))

	// Unhandled counts: pending requests newer than time to managed groups.
	count := func(token, user string, since int64) float64 {
		return e.data(t, "/group/get_group_application_unhandled_count", token, map[string]any{"userID": user, "time": since})["count"].(float64)
	}
	for _, c := range []struct {
		user  string
		since int64
		want  float64
	}{
		{"owner", 0, 2}, {"owner", t0, 2}, {"owner", t0 + 1000, 1}, {"owner", e.clock.Now().UnixMilli(), 0},
		{"admin", 0, 1}, {"member", 0, 1}, {"a1", 0, 0},
	} {
		if got := count(tok[c.user], c.user, c.since); got != c.want {
			t.Errorf("count %s since %d: %v, want %v", c.user, c.since, got, c.want)
		}
	}
	if got := count(e.admin, "owner", 0); got != 2 {
		t.Errorf("count by app admin: %v", got)
	}
}

func TestRequestListErrors(t *testing.T) {
	w := newWorld(t)
	w.ok(t, "/group/join_group", w.outsider, map[string]any{"groupID": "g1", "joinSource": 3})
	page := map[string]any{"pageNumber": 1, "showNumber": 10}
	cases := []struct {
		name string
		who  string
		path string
		body map[string]any
		code int
	}{
		{"recv for other", "member", "/group/get_recv_group_applicationList", map[string]any{"fromUserID": "owner", "pagination": page}, codeNoPermission},
		{"recv no pagination", "owner", "/group/get_recv_group_applicationList", map[string]any{"fromUserID": "owner"}, codeArgs},
		{"recv page 0", "owner", "/group/get_recv_group_applicationList", map[string]any{"fromUserID": "owner", "pagination": map[string]any{"pageNumber": 0}}, codeArgs},
		{"recv bad handleResult", "owner", "/group/get_recv_group_applicationList", map[string]any{"fromUserID": "owner", "pagination": page, "handleResults": []int{2}}, codeArgs},
		{"recv no user", "owner", "/group/get_recv_group_applicationList", map[string]any{"pagination": page}, codeArgs},
		{"recv groupIDs over 1000", "owner", "/group/get_recv_group_applicationList", map[string]any{"fromUserID": "owner", "pagination": page, "groupIDs": manyIDs(1001)}, codeArgs},
		{"user for other", "member", "/group/get_user_req_group_applicationList", map[string]any{"userID": "outsider", "pagination": page}, codeNoPermission},
		{"user showNumber 10001", "outsider", "/group/get_user_req_group_applicationList", map[string]any{"userID": "outsider", "pagination": map[string]any{"pageNumber": 1, "showNumber": 10001}}, codeArgs},
		{"user handleResults not numbers", "outsider", "/group/get_user_req_group_applicationList", map[string]any{"userID": "outsider", "pagination": page, "handleResults": []string{"x"}}, codeArgs},
		{"group users by member", "member", "/group/get_group_users_req_application_list", map[string]any{"groupID": "g1", "userIDs": []string{"outsider"}}, codeNoPermission},
		{"group users by outsider", "outsider", "/group/get_group_users_req_application_list", map[string]any{"groupID": "g1", "userIDs": []string{"outsider"}}, codeNoPermission},
		{"group users no IDs", "owner", "/group/get_group_users_req_application_list", map[string]any{"groupID": "g1"}, codeArgs},
		{"group users over 1000", "owner", "/group/get_group_users_req_application_list", map[string]any{"groupID": "g1", "userIDs": manyIDs(1001)}, codeArgs},
		{"group users unknown group", "appadmin", "/group/get_group_users_req_application_list", map[string]any{"groupID": "nope", "userIDs": []string{"a"}}, codeGroupIDNotFound},
		{"specified by member", "member", "/group/get_specified_user_group_request_info", map[string]any{"groupID": "g1", "userID": "outsider"}, codeNoPermission},
		{"specified unknown group", "outsider", "/group/get_specified_user_group_request_info", map[string]any{"groupID": "nope", "userID": "outsider"}, codeGroupIDNotFound},
		{"specified no user", "owner", "/group/get_specified_user_group_request_info", map[string]any{"groupID": "g1"}, codeArgs},
		{"count for other", "member", "/group/get_group_application_unhandled_count", map[string]any{"userID": "owner"}, codeNoPermission},
		{"count no user", "owner", "/group/get_group_application_unhandled_count", map[string]any{}, codeArgs},
		{"count time as string", "owner", "/group/get_group_application_unhandled_count", map[string]any{"userID": "owner", "time": "0"}, codeArgs},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { w.fail(t, c.path, w.tok(c.who), c.body, c.code) })
	}
	// The allowed callers of the same routes.
	for _, c := range []struct {
		who, path string
		body      map[string]any
	}{
		{"appadmin", "/group/get_user_req_group_applicationList", map[string]any{"userID": "outsider", "pagination": page}},
		{"owner", "/group/get_group_users_req_application_list", map[string]any{"groupID": "g1", "userIDs": []string{"outsider"}}},
		{"appadmin", "/group/get_group_users_req_application_list", map[string]any{"groupID": "g1", "userIDs": []string{"outsider"}}},
		{"appadmin", "/group/get_specified_user_group_request_info", map[string]any{"groupID": "g1", "userID": "outsider"}},
		{"appadmin", "/group/get_group_application_unhandled_count", map[string]any{"userID": "owner"}},
	} {
		w.ok(t, c.path, w.tok(c.who), c.body)
	}
}
