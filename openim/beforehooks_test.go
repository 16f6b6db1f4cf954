package openim

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/groupd/groupd/api/apitest"
	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/internal/teststore"
	"github.com/groupd/groupd/internal/webhookconf"
)

// A webhooks.yml timeout of 1 is 1 s; the tests' is 500 ms.
func init() { callbackTimeoutUnit = 500 * time.Millisecond }

const hookOpID = "op-before-hooks"

// hookCall is one callback the receiver got.
type hookCall struct {
	command, operationID, contentType string
	body                              []byte
}

// hookRecv is a real HTTP receiver of before-callbacks. Until armed it
// answers {} (go ahead, nothing amended) and records nothing, so that a
// test's setup runs through the enabled callback untouched.
type hookRecv struct {
	srv   *httptest.Server
	armed atomic.Bool
	mu    sync.Mutex
	calls []hookCall
	reply string        // the armed answer
	delay time.Duration // armed: answer only after this (or when the caller gives up)
}

func newHookRecv(t *testing.T) *hookRecv {
	rc := &hookRecv{}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, "/cb/") {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if !rc.armed.Load() {
			io.WriteString(w, `{}`)
			return
		}
		rc.mu.Lock()
		rc.calls = append(rc.calls, hookCall{command: strings.TrimPrefix(r.URL.Path, "/cb/"),
			operationID: r.Header.Get("operationID"), contentType: r.Header.Get("Content-Type"), body: b})
		reply, delay := rc.reply, rc.delay
		rc.mu.Unlock()
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		io.WriteString(w, reply)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *hookRecv) arm(reply string, delay time.Duration) {
	rc.mu.Lock()
	rc.reply, rc.delay = reply, delay
	rc.mu.Unlock()
	rc.armed.Store(true)
}

func (rc *hookRecv) got() []hookCall {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]hookCall(nil), rc.calls...)
}

// newHookEnv is newEnv with cfg's webhooks.
func newHookEnv(t *testing.T, hooks webhookconf.Config) *env {
	t.Helper()
	db := teststore.Open(t, backend)
	clk := &clock{}
	clk.Set(1687700000000)
	svc := domain.NewService(db, domain.Options{Now: clk.Now, ReservedUserIDs: []string{"imAdmin"}})
	if err := svc.EnsureReservedUsers(context.Background()); err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	h := NewHandler(svc, Config{Secret: testSecret, AdminUserIDs: []string{"imAdmin"}, Now: clk.Now, Webhooks: hooks},
		slog.New(slog.NewTextHandler(&lockedWriter{w: logs}, nil)))
	srv := httptest.NewServer(apitest.Wrap(t, h))
	t.Cleanup(srv.Close)
	e := &env{srv: srv, clock: clk, svc: svc, store: db, logs: logs,
		client: &http.Client{Transport: &http.Transport{DisableCompression: true}}}
	e.admin = e.data(t, "/auth/get_admin_token", "", map[string]any{"secret": testSecret, "userID": "imAdmin"})["token"].(string)
	return e
}

// call posts with the fixed operationID the payloads are checked against.
func (e *env) call(t *testing.T, path, token string, body any) reply {
	t.Helper()
	j, _ := json.Marshal(body)
	resp, raw := e.do(t, path, map[string]string{"token": token, "operationID": hookOpID}, j)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: HTTP %d: %s", path, resp.StatusCode, raw)
	}
	var r reply
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("%s: %v: %s", path, err, raw)
	}
	r.raw = raw
	return r
}

var adminActor = domain.Actor{UserID: "imAdmin", Admin: true}

func (w *world) group(t *testing.T, id string) (domain.Group, bool) {
	t.Helper()
	g, err := w.svc.GetGroup(context.Background(), adminActor, id)
	if domain.IsKind(err, domain.KindGroupNotFound) {
		return g, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return g, true
}

func (w *world) hookMember(t *testing.T, groupID, userID string) (domain.Member, bool) {
	t.Helper()
	ms, err := w.svc.GetMembers(context.Background(), adminActor, groupID, []string{userID})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 {
		return domain.Member{}, false
	}
	return ms[0], true
}

func (w *world) user(t *testing.T, id string) (domain.User, bool) {
	t.Helper()
	us, err := w.svc.GetUsers(context.Background(), adminActor, []string{id})
	if err != nil {
		t.Fatal(err)
	}
	if len(us) == 0 {
		return domain.User{}, false
	}
	return us[0], true
}

func (w *world) request(t *testing.T, groupID, userID string) (domain.RequestInfo, bool) {
	t.Helper()
	rs, err := w.svc.UserGroupRequest(context.Background(), adminActor, groupID, userID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) == 0 {
		return domain.RequestInfo{}, false
	}
	return rs[0], true
}

// outcome is what a callback's answer should have done to the change.
type outcome int

const (
	unchanged outcome = iota // refused: nothing changed
	changed                  // went ahead as asked
	amended                  // went ahead with the callback's amendments
)

// hookCase is one before-callback through the real handler stack.
type hookCase struct {
	name    string
	command string
	conf    func(*webhookconf.Config) *webhookconf.BeforeConfig
	// setup prepares the world (the receiver is not armed yet).
	setup func(t *testing.T, w *world)
	// act makes the change.
	act func(t *testing.T, w *world) reply
	// payload is the body v3.8.3 sends, in its field order.
	payload string
	// amend is the receiver's amending answer ("" = the callback has
	// nothing to amend).
	amend string
	// check verifies the state after the change.
	check func(t *testing.T, w *world, o outcome)
}

// hookWorld is newWorld with one before-callback enabled.
func hookWorld(t *testing.T, c hookCase, failedContinue bool) (*world, *hookRecv) {
	rc := newHookRecv(t)
	hooks := webhookconf.Config{URL: rc.srv.URL + "/cb"}
	*c.conf(&hooks) = webhookconf.BeforeConfig{Enable: true, Timeout: 1, FailedContinue: failedContinue}
	e := newHookEnv(t, hooks)
	e.register(t, "owner", "admin", "member", "member2", "outsider", "fresh")
	e.createGroup(t, e.admin, "g1", "owner", []string{"admin"}, []string{"member", "member2"})
	w := &world{env: e, owner: e.userToken(t, "owner"), admin: e.userToken(t, "admin"),
		member: e.userToken(t, "member"), member2: e.userToken(t, "member2"), outsider: e.userToken(t, "outsider")}
	if c.setup != nil {
		c.setup(t, w)
	}
	return w, rc
}

const refusal = `{"actionCode":0,"errCode":5001,"errMsg":"refused by the app","errDlt":"not today","nextCode":1}`

func runHookCase(t *testing.T, c hookCase) {
	checkPayload := func(t *testing.T, rc *hookRecv) {
		t.Helper()
		calls := rc.got()
		if len(calls) != 1 {
			t.Fatalf("receiver got %d calls, want 1: %+v", len(calls), calls)
		}
		k := calls[0]
		if k.command != c.command || k.operationID != hookOpID || k.contentType != "application/json; charset=utf-8" {
			t.Fatalf("callback %s, operationID %q, Content-Type %q; want %s, %q", k.command, k.operationID, k.contentType, c.command, hookOpID)
		}
		// Field by field and in v3.8.3's order: the exact bytes its
		// json.Encoder writes.
		var want bytes.Buffer
		if err := json.Compact(&want, []byte(c.payload)); err != nil {
			t.Fatalf("bad want payload: %v", err)
		}
		want.WriteByte('\n')
		if got := normalizePayload(k.body); got != want.String() {
			t.Fatalf("payload\n got: %s\nwant: %s", got, want.String())
		}
	}
	t.Run("refuse", func(t *testing.T) {
		w, rc := hookWorld(t, c, true)
		rc.arm(refusal, 0)
		r := c.act(t, w)
		if r.ErrCode != 5001 || r.ErrMsg != "refused by the app" || r.ErrDlt != "not today" || r.Data != nil {
			t.Fatalf("want the callback's refusal, got %s", r.raw)
		}
		checkPayload(t, rc)
		c.check(t, w, unchanged)
	})
	t.Run("refuse by actionCode", func(t *testing.T) {
		w, rc := hookWorld(t, c, true)
		rc.arm(`{"actionCode":1,"errCode":0,"errMsg":"","errDlt":"","nextCode":0}`, 0)
		r := c.act(t, w)
		if r.ErrCode != codeCallback || r.ErrMsg != "CallbackError" {
			t.Fatalf("want 80000 CallbackError, got %s", r.raw)
		}
		c.check(t, w, unchanged)
	})
	if c.amend != "" {
		t.Run("amend", func(t *testing.T) {
			w, rc := hookWorld(t, c, false)
			rc.arm(c.amend, 0)
			if r := c.act(t, w); r.ErrCode != 0 {
				t.Fatalf("want success, got %s", r.raw)
			}
			checkPayload(t, rc)
			c.check(t, w, amended)
		})
	}
	t.Run("go ahead", func(t *testing.T) {
		w, rc := hookWorld(t, c, false)
		rc.arm(`{"actionCode":0,"errCode":0,"errMsg":"","errDlt":"","nextCode":0}`, 0)
		if r := c.act(t, w); r.ErrCode != 0 {
			t.Fatalf("want success, got %s", r.raw)
		}
		c.check(t, w, changed)
	})
	t.Run("timeout failedContinue", func(t *testing.T) {
		w, rc := hookWorld(t, c, true)
		rc.arm(c.amend+refusal, 5*time.Second) // never arrives in time
		start := time.Now()
		if r := c.act(t, w); r.ErrCode != 0 {
			t.Fatalf("want success, got %s", r.raw)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("the call took %v: the callback's timeout did not end it", d)
		}
		checkPayload(t, rc)
		c.check(t, w, changed)
	})
	t.Run("timeout refused", func(t *testing.T) {
		w, rc := hookWorld(t, c, false)
		rc.arm(`{}`, 5*time.Second)
		r := c.act(t, w)
		if r.ErrCode != codeNetwork || r.ErrMsg != "NetworkError" || r.ErrDlt == "" {
			t.Fatalf("want 90004 NetworkError, got %s", r.raw)
		}
		checkPayload(t, rc)
		c.check(t, w, unchanged)
	})
	t.Run("unreachable refused", func(t *testing.T) {
		w, rc := hookWorld(t, c, false)
		rc.srv.Close()
		if r := c.act(t, w); r.ErrCode != codeNetwork {
			t.Fatalf("want 90004 NetworkError, got %s", r.raw)
		}
		c.check(t, w, unchanged)
	})
	t.Run("not JSON refused", func(t *testing.T) {
		w, rc := hookWorld(t, c, false)
		rc.arm(`<html>oops</html>`, 0)
		if r := c.act(t, w); r.ErrCode != codeData || r.ErrMsg != "DataError" {
			t.Fatalf("want 90007 DataError, got %s", r.raw)
		}
		c.check(t, w, unchanged)
	})
}

// generatedID stands for a server-picked group ID in a payload.
var generatedID = regexp.MustCompile(`"groupID":"[1-9][0-9]{9}"`)

func normalizePayload(b []byte) string {
	return generatedID.ReplaceAllString(string(b), `"groupID":"<generated>"`)
}

func want[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

var muteUntil = int64(1687700000000 + 3600_000)

func TestBeforeCallbacks(t *testing.T) {
	cases := []hookCase{{
		name:    "beforeCreateGroup",
		command: "callbackBeforeCreateGroupCommand",
		conf:    func(c *webhookconf.Config) *webhookconf.BeforeConfig { return &c.BeforeCreateGroup },
		act: func(t *testing.T, w *world) reply {
			return w.call(t, "/group/create_group", w.env.admin, map[string]any{
				"ownerUserID": "owner", "adminUserIDs": []string{"admin"}, "memberUserIDs": []string{"member"},
				"groupInfo": map[string]any{"groupID": "g9", "groupName": "nine", "notification": "hello", "ex": "e",
					"groupType": 2, "lookMemberInfo": 1},
			})
		},
		payload: `{"operationID":"op-before-hooks","callbackCommand":"callbackBeforeCreateGroupCommand",
			"groupID":"g9","groupName":"nine","notification":"hello","introduction":"","faceURL":"","ownerUserID":"",
			"createTime":0,"memberCount":0,"ex":"e","status":0,"creatorUserID":"","groupType":2,"needVerification":0,
			"lookMemberInfo":1,"applyMemberFriend":0,"notificationUpdateTime":0,"notificationUserID":"",
			"initMemberList":[{"userID":"owner","roleLevel":100},{"userID":"admin","roleLevel":60},{"userID":"member","roleLevel":20}]}`,
		amend: `{"actionCode":0,"nextCode":0,"groupID":"g-amended","groupName":"amended","introduction":"intro",
			"faceURL":"http://f","ex":"ax","needVerification":2,"applyMemberFriend":1}`,
		check: func(t *testing.T, w *world, o outcome) {
			_, g9 := w.group(t, "g9")
			g, ga := w.group(t, "g-amended")
			switch o {
			case unchanged:
				want(t, "g9 exists", g9, false)
				want(t, "g-amended exists", ga, false)
			case changed:
				want(t, "g9 exists", g9, true)
			case amended:
				want(t, "g9 exists", g9, false)
				want(t, "g-amended exists", ga, true)
				want(t, "name", g.Name, "amended")
				want(t, "notification", g.Notification, "hello")
				want(t, "introduction", g.Introduction, "intro")
				want(t, "faceURL", g.FaceURL, "http://f")
				want(t, "ex", g.Ex, "ax")
				want(t, "needVerification", g.NeedVerification, 2)
				want(t, "applyMemberFriend (v3.8.3 does not amend it)", g.ApplyMemberFriend, 0)
				want(t, "memberCount", g.MemberCount, 3)
			}
		},
	}, {
		name:    "beforeMemberJoinGroup on invite",
		command: "callbackBeforeMembersJoinGroupCommand",
		conf:    func(c *webhookconf.Config) *webhookconf.BeforeConfig { return &c.BeforeMemberJoinGroup },
		setup: func(t *testing.T, w *world) {
			w.ok(t, "/group/set_group_info_ex", w.owner, map[string]any{"groupID": "g1", "ex": "gex"})
		},
		act: func(t *testing.T, w *world) reply {
			return w.call(t, "/group/invite_user_to_group", w.owner, map[string]any{
				"groupID": "g1", "reason": "r", "invitedUserIDs": []string{"fresh", "outsider"}})
		},
		payload: `{"callbackCommand":"callbackBeforeMembersJoinGroupCommand","groupID":"g1",
			"memberList":[{"userID":"fresh","ex":""},{"userID":"outsider","ex":""}],"groupEx":"gex"}`,
		amend: `{"actionCode":0,"memberCallbackList":[
			{"userID":"fresh","nickname":"Fresh","faceURL":"http://ff","roleLevel":60,"muteEndTime":` + ms(muteUntil) + `,"ex":"fx"},
			{"userID":"stranger","nickname":"ignored"}]}`,
		check: func(t *testing.T, w *world, o outcome) {
			m, in := w.hookMember(t, "g1", "fresh")
			_, in2 := w.hookMember(t, "g1", "outsider")
			want(t, "fresh joined", in, o != unchanged)
			want(t, "outsider joined", in2, o != unchanged)
			if o == amended {
				want(t, "nickname", m.Nickname, "Fresh")
				want(t, "faceURL", m.FaceURL, "http://ff")
				want(t, "roleLevel", m.RoleLevel, domain.RoleAdmin)
				want(t, "muteEndTime", m.MuteEndTime, muteUntil)
				want(t, "ex", m.Ex, "fx")
				// The OpenIM answer shows the amended member.
				r := w.ok(t, "/group/get_group_members_info", w.owner, map[string]any{"groupID": "g1", "userIDs": []string{"fresh"}})
				if !strings.Contains(string(r.Data), `"muteEndTime":`+ms(muteUntil)) || !strings.Contains(string(r.Data), `"roleLevel":60`) {
					t.Fatalf("members info: %s", r.Data)
				}
			} else if o == changed {
				want(t, "roleLevel", m.RoleLevel, domain.RoleMember)
			}
		},
	}, {
		name:    "beforeMemberJoinGroup on create",
		command: "callbackBeforeMembersJoinGroupCommand",
		conf:    func(c *webhookconf.Config) *webhookconf.BeforeConfig { return &c.BeforeMemberJoinGroup },
		act: func(t *testing.T, w *world) reply {
			return w.call(t, "/group/create_group", w.owner, map[string]any{
				"ownerUserID": "owner", "memberUserIDs": []string{"member", "fresh"},
				"groupInfo": map[string]any{"groupName": "auto", "groupType": 2, "ex": "gx"},
			})
		},
		payload: `{"callbackCommand":"callbackBeforeMembersJoinGroupCommand","groupID":"<generated>",
			"memberList":[{"userID":"owner","ex":""},{"userID":"member","ex":""},{"userID":"fresh","ex":""}],"groupEx":"gx"}`,
		amend: `{"memberCallbackList":[{"userID":"fresh","roleLevel":60,"nickname":"F"},{"userID":"owner","nickname":"Boss"}]}`,
		check: func(t *testing.T, w *world, o outcome) {
			gs, _, err := w.svc.JoinedGroups(context.Background(), adminActor, "fresh", domain.Page{Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			if o == unchanged {
				want(t, "groups of fresh", len(gs), 0)
				return
			}
			want(t, "groups of fresh", len(gs), 1)
			want(t, "group ID shape", generatedID.MatchString(`"groupID":"`+gs[0].GroupID+`"`), true)
			m, _ := w.hookMember(t, gs[0].GroupID, "fresh")
			o2, _ := w.hookMember(t, gs[0].GroupID, "owner")
			if o == amended {
				want(t, "fresh role", m.RoleLevel, domain.RoleAdmin)
				want(t, "fresh nickname", m.Nickname, "F")
				want(t, "owner role", o2.RoleLevel, domain.RoleOwner)
				want(t, "owner nickname", o2.Nickname, "Boss")
			} else {
				want(t, "fresh role", m.RoleLevel, domain.RoleMember)
			}
		},
	}, {
		name:    "beforeMemberJoinGroup on join",
		command: "callbackBeforeMembersJoinGroupCommand",
		conf:    func(c *webhookconf.Config) *webhookconf.BeforeConfig { return &c.BeforeMemberJoinGroup },
		setup: func(t *testing.T, w *world) {
			w.ok(t, "/group/set_group_info_ex", w.owner, map[string]any{"groupID": "g1", "needVerification": 2})
		},
		act: func(t *testing.T, w *world) reply {
			return w.call(t, "/group/join_group", w.outsider, map[string]any{
				"groupID": "g1", "reqMessage": "hi", "joinSource": 3, "inviterUserID": "outsider", "ex": "jx"})
		},
		payload: `{"callbackCommand":"callbackBeforeMembersJoinGroupCommand","groupID":"g1",
			"memberList":[{"userID":"outsider","ex":"jx"}],"groupEx":""}`,
		amend: `{"memberCallbackList":[{"userID":"outsider","nickname":"Out","ex":"amended"}]}`,
		check: func(t *testing.T, w *world, o outcome) {
			m, in := w.hookMember(t, "g1", "outsider")
			want(t, "joined", in, o != unchanged)
			if o == amended {
				want(t, "nickname", m.Nickname, "Out")
				want(t, "ex", m.Ex, "amended")
			} else if o == changed {
				want(t, "ex", m.Ex, "jx")
			}
		},
	}, {
		name:    "beforeMemberJoinGroup on application accepted",
		command: "callbackBeforeMembersJoinGroupCommand",
		conf:    func(c *webhookconf.Config) *webhookconf.BeforeConfig { return &c.BeforeMemberJoinGroup },
		setup: func(t *testing.T, w *world) {
			w.ok(t, "/group/join_group", w.outsider, map[string]any{
				"groupID": "g1", "reqMessage": "let me in", "joinSource": 3, "inviterUserID": "outsider", "ex": "rx"})
		},
		act: func(t *testing.T, w *world) reply {
			return w.call(t, "/group/group_application_response", w.owner, map[string]any{
				"groupID": "g1", "fromUserID": "outsider", "handledMsg": "ok", "handleResult": 1})
		},
		payload: `{"callbackCommand":"callbackBeforeMembersJoinGroupCommand","groupID":"g1",
			"memberList":[{"userID":"outsider","ex":"rx"}],"groupEx":""}`,
		amend: `{"memberCallbackList":[{"userID":"outsider","faceURL":"http://o","muteEndTime":` + ms(muteUntil) + `}]}`,
		check: func(t *testing.T, w *world, o outcome) {
			m, in := w.hookMember(t, "g1", "outsider")
			want(t, "joined", in, o != unchanged)
			r, _ := w.request(t, "g1", "outsider")
			if o == unchanged {
				want(t, "request pending", r.HandleResult, domain.RequestPending)
			}
			if o == amended {
				want(t, "faceURL", m.FaceURL, "http://o")
				want(t, "muteEndTime", m.MuteEndTime, muteUntil)
			}
		},
	}, {
		name:    "beforeSetGroupMemberInfo",
		command: "callbackBeforeSetGroupMemberInfoCommand",
		conf:    func(c *webhookconf.Config) *webhookconf.BeforeConfig { return &c.BeforeSetGroupMemberInfo },
		act: func(t *testing.T, w *world) reply {
			return w.call(t, "/group/set_group_member_info", w.owner, map[string]any{"members": []map[string]any{
				{"groupID": "g1", "userID": "member", "nickname": "nn", "faceURL": nil, "roleLevel": nil, "ex": nil}}})
		},
		payload: `{"callbackCommand":"callbackBeforeSetGroupMemberInfoCommand","groupID":"g1","userID":"member",
			"nickName":"nn","faceURL":null,"roleLevel":null,"ex":null}`,
		amend: `{"nickName":"amended","ex":"ax","roleLevel":60,"faceURL":null}`,
		check: func(t *testing.T, w *world, o outcome) {
			m, _ := w.hookMember(t, "g1", "member")
			switch o {
			case unchanged: // a member without a group nickname shows the user's
				want(t, "nickname", m.Nickname, "nick-member")
			case changed:
				want(t, "nickname", m.Nickname, "nn")
				want(t, "role", m.RoleLevel, domain.RoleMember)
			case amended:
				want(t, "nickname", m.Nickname, "amended")
				want(t, "ex", m.Ex, "ax")
				want(t, "role", m.RoleLevel, domain.RoleAdmin)
			}
		},
	}, {
		name:    "beforeApplyJoinGroup",
		command: "callbackBeforeJoinGroupCommand",
		conf:    func(c *webhookconf.Config) *webhookconf.BeforeConfig { return &c.BeforeApplyJoinGroup },
		act: func(t *testing.T, w *world) reply {
			return w.call(t, "/group/join_group", w.outsider, map[string]any{
				"groupID": "g1", "reqMessage": "hi", "joinSource": 3, "inviterUserID": "outsider", "ex": "e"})
		},
		// groupType is v3.8.3's string(group.GroupType): the rune 2.
		payload: `{"callbackCommand":"callbackBeforeJoinGroupCommand","groupID":"g1","groupType":"\u0002",
			"applyID":"outsider","reqMessage":"hi","ex":"e"}`,
		check: func(t *testing.T, w *world, o outcome) {
			r, ok := w.request(t, "g1", "outsider")
			want(t, "request filed", ok, o != unchanged)
			if ok {
				want(t, "reqMsg", r.ReqMsg, "hi")
			}
		},
	}, {
		name:    "beforeInviteUserToGroup",
		command: "callbackBeforeInviteJoinGroupCommand",
		conf:    func(c *webhookconf.Config) *webhookconf.BeforeConfig { return &c.BeforeInviteUserToGroup },
		act: func(t *testing.T, w *world) reply {
			return w.call(t, "/group/invite_user_to_group", w.owner, map[string]any{
				"groupID": "g1", "reason": "welcome", "invitedUserIDs": []string{"fresh", "outsider"}})
		},
		payload: `{"callbackCommand":"callbackBeforeInviteJoinGroupCommand","operationID":"op-before-hooks",
			"groupID":"g1","reason":"welcome","invitedUserIDs":["fresh","outsider"]}`,
		amend: `{"actionCode":0,"refusedMembersAccount":["outsider"]}`,
		check: func(t *testing.T, w *world, o outcome) {
			_, fresh := w.hookMember(t, "g1", "fresh")
			_, outsider := w.hookMember(t, "g1", "outsider")
			want(t, "fresh in", fresh, o != unchanged)
			want(t, "outsider in", outsider, o == changed)
		},
	}, {
		name:    "beforeSetGroupInfo",
		command: "callbackBeforeSetGroupInfoCommand",
		conf:    func(c *webhookconf.Config) *webhookconf.BeforeConfig { return &c.BeforeSetGroupInfo },
		act: func(t *testing.T, w *world) reply {
			return w.call(t, "/group/set_group_info", w.owner, map[string]any{"groupInfoForSet": map[string]any{
				"groupID": "g1", "groupName": "new", "notification": "n2", "lookMemberInfo": 1}})
		},
		// v3.8.3 leaves this body's operationID empty.
		payload: `{"callbackCommand":"callbackBeforeSetGroupInfoCommand","operationID":"","groupID":"g1",
			"groupName":"new","notification":"n2","introduction":"","faceURL":"","ex":"","needVerification":0,
			"lookMemberInfo":1,"applyMemberFriend":0}`,
		amend: `{"groupID":"g1","groupName":"amended","notification":"not applied","introduction":"intro",
			"ex":"ax","needVerification":2,"applyMemberFriend":1}`,
		check: func(t *testing.T, w *world, o outcome) {
			g, _ := w.group(t, "g1")
			switch o {
			case unchanged:
				want(t, "name", g.Name, "name-g1")
				want(t, "notification", g.Notification, "")
			case changed:
				want(t, "name", g.Name, "new")
				want(t, "notification", g.Notification, "n2")
				want(t, "lookMemberInfo", g.LookMemberInfo, 1)
			case amended:
				want(t, "name", g.Name, "amended")
				want(t, "notification (v3.8.3 does not amend it)", g.Notification, "n2")
				want(t, "introduction", g.Introduction, "intro")
				want(t, "ex", g.Ex, "ax")
				want(t, "needVerification", g.NeedVerification, 2)
				want(t, "lookMemberInfo", g.LookMemberInfo, 1)
				want(t, "applyMemberFriend", g.ApplyMemberFriend, 1)
			}
		},
	}, {
		name:    "beforeSetGroupInfoEx",
		command: "callbackBeforeSetGroupInfoExCommand",
		conf:    func(c *webhookconf.Config) *webhookconf.BeforeConfig { return &c.BeforeSetGroupInfoEx },
		act: func(t *testing.T, w *world) reply {
			return w.call(t, "/group/set_group_info_ex", w.owner, map[string]any{
				"groupID": "g1", "groupName": "new", "ex": "e", "needVerification": 2})
		},
		payload: `{"callbackCommand":"callbackBeforeSetGroupInfoExCommand","operationID":"","groupID":"g1",
			"groupName":"new","notification":null,"introduction":null,"faceURL":null,"ex":"e","needVerification":2,
			"lookMemberInfo":null,"applyMemberFriend":null}`,
		amend: `{"groupName":"amended","faceURL":"http://f","ex":null,"notification":"not applied"}`,
		check: func(t *testing.T, w *world, o outcome) {
			g, _ := w.group(t, "g1")
			switch o {
			case unchanged:
				want(t, "name", g.Name, "name-g1")
				want(t, "needVerification", g.NeedVerification, 0)
			case changed:
				want(t, "name", g.Name, "new")
				want(t, "ex", g.Ex, "e")
			case amended:
				want(t, "name", g.Name, "amended")
				want(t, "faceURL", g.FaceURL, "http://f")
				want(t, "ex (null: unchanged)", g.Ex, "")
				want(t, "notification", g.Notification, "")
				want(t, "needVerification", g.NeedVerification, 2)
			}
		},
	}, {
		name:    "beforeUserRegister",
		command: "callbackBeforeUserRegisterCommand",
		conf:    func(c *webhookconf.Config) *webhookconf.BeforeConfig { return &c.BeforeUserRegister },
		act: func(t *testing.T, w *world) reply {
			return w.call(t, "/user/user_register", w.env.admin, map[string]any{"users": []map[string]any{
				{"userID": "u1", "nickname": "n1", "faceURL": "http://1", "ex": "x1"}}})
		},
		payload: `{"callbackCommand":"callbackBeforeUserRegisterCommand","users":[{"userID":"u1","nickname":"n1",
			"faceURL":"http://1","ex":"x1","createTime":0,"appMangerLevel":0,"globalRecvMsgOpt":0}]}`,
		amend: `{"users":[{"userID":"u1","nickname":"amended"},{"userID":"u2","nickname":"added"}]}`,
		check: func(t *testing.T, w *world, o outcome) {
			u1, ok1 := w.user(t, "u1")
			u2, ok2 := w.user(t, "u2")
			want(t, "u1 registered", ok1, o != unchanged)
			want(t, "u2 registered", ok2, o == amended)
			switch o {
			case changed:
				want(t, "u1 nickname", u1.Nickname, "n1")
			case amended:
				want(t, "u1 nickname", u1.Nickname, "amended")
				want(t, "u1 faceURL (the reply's users replace the request's)", u1.FaceURL, "")
				want(t, "u2 nickname", u2.Nickname, "added")
			}
		},
	}, {
		name:    "beforeUpdateUserInfo",
		command: "callbackBeforeUpdateUserInfoCommand",
		conf:    func(c *webhookconf.Config) *webhookconf.BeforeConfig { return &c.BeforeUpdateUserInfo },
		act: func(t *testing.T, w *world) reply {
			return w.call(t, "/user/update_user_info", w.member, map[string]any{"userInfo": map[string]any{
				"userID": "member", "nickname": "n", "ex": "e"}})
		},
		// v3.8.3 always sends nickName and faceURL, never ex.
		payload: `{"callbackCommand":"callbackBeforeUpdateUserInfoCommand","userID":"member","nickName":"n",
			"faceURL":"","ex":null}`,
		amend: `{"nickName":"amended","faceURL":"http://f"}`,
		check: func(t *testing.T, w *world, o outcome) {
			u, _ := w.user(t, "member")
			switch o {
			case unchanged:
				want(t, "nickname", u.Nickname, "nick-member")
				want(t, "ex", u.Ex, "")
			case changed:
				want(t, "nickname", u.Nickname, "n")
				want(t, "ex", u.Ex, "e")
			case amended:
				want(t, "nickname", u.Nickname, "amended")
				want(t, "faceURL", u.FaceURL, "http://f")
				want(t, "ex", u.Ex, "e")
			}
		},
	}, {
		name:    "beforeUpdateUserInfoEx",
		command: "callbackBeforeUpdateUserInfoExCommand",
		conf:    func(c *webhookconf.Config) *webhookconf.BeforeConfig { return &c.BeforeUpdateUserInfoEx },
		act: func(t *testing.T, w *world) reply {
			return w.call(t, "/user/update_user_info_ex", w.member, map[string]any{"userInfo": map[string]any{
				"userID": "member", "faceURL": "http://f", "ex": "e"}})
		},
		payload: `{"callbackCommand":"callbackBeforeUpdateUserInfoExCommand","userID":"member","nickName":null,
			"faceURL":"http://f","ex":null}`,
		amend: `{"nickName":"","faceURL":"http://amended"}`,
		check: func(t *testing.T, w *world, o outcome) {
			u, _ := w.user(t, "member")
			switch o {
			case unchanged:
				want(t, "faceURL", u.FaceURL, "")
			case changed:
				want(t, "faceURL", u.FaceURL, "http://f")
				want(t, "nickname", u.Nickname, "nick-member")
			case amended:
				want(t, "faceURL", u.FaceURL, "http://amended")
				want(t, "nickname", u.Nickname, "")
				want(t, "ex", u.Ex, "e")
			}
		},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			runHookCase(t, c)
		})
	}
}

func ms(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestBeforeCallbacksOff: with nothing enabled (or no url) no callback is
// made and changes go ahead.
func TestBeforeCallbacksOff(t *testing.T) {
	rc := newHookRecv(t)
	rc.arm(refusal, 0)
	e := newHookEnv(t, webhookconf.Config{URL: rc.srv.URL + "/cb"})
	e.register(t, "a", "b")
	e.createGroup(t, e.admin, "g", "a", nil, []string{"b"})
	if n := len(rc.got()); n != 0 {
		t.Fatalf("%d callbacks made with none enabled", n)
	}
}

// TestBeforeMemberJoinInvalidAmendment: an amendment the domain refuses
// (an owner role for a joining member) fails the change with its error.
func TestBeforeMemberJoinInvalidAmendment(t *testing.T) {
	c := hookCase{conf: func(c *webhookconf.Config) *webhookconf.BeforeConfig { return &c.BeforeMemberJoinGroup }}
	w, rc := hookWorld(t, c, false)
	rc.arm(`{"memberCallbackList":[{"userID":"fresh","roleLevel":100}]}`, 0)
	r := w.call(t, "/group/invite_user_to_group", w.owner, map[string]any{"groupID": "g1", "invitedUserIDs": []string{"fresh"}})
	if r.ErrCode == 0 {
		t.Fatalf("an owner role amendment was accepted: %s", r.raw)
	}
	if _, in := w.hookMember(t, "g1", "fresh"); in {
		t.Fatal("fresh joined")
	}
}
