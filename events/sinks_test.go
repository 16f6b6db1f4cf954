package events_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/events"
	"github.com/groupd/groupd/internal/teststore"
)

// receiver is a real HTTP server that records each request.
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	n    int // requests answered
	reqs []received
	// status answers each request (200 when nil).
	status func(n int) int
}

type received struct {
	Path    string
	Header  http.Header
	Body    map[string]any
	EventID int64
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		var body map[string]any
		if err := json.Unmarshal(b, &body); err != nil {
			t.Errorf("body %q: %v", b, err)
		}
		id, _ := strconv.ParseInt(req.Header.Get("X-Groupd-Event-Id"), 10, 64)
		r.mu.Lock()
		n := r.n
		r.n++
		code := 200
		if r.status != nil {
			code = r.status(n)
		}
		if code == 200 {
			r.reqs = append(r.reqs, received{Path: req.URL.Path, Header: req.Header, Body: body, EventID: id})
		}
		r.mu.Unlock()
		w.WriteHeader(code)
		_, _ = w.Write([]byte(`{"actionCode":0,"errCode":0,"errMsg":"","errDlt":"","nextCode":0}`))
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) got() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.reqs...)
}

// byPath returns the first request to path.
func (r *receiver) byPath(t *testing.T, path string) received {
	t.Helper()
	var out received
	waitFor(t, "a request to "+path, func() bool {
		for _, q := range r.got() {
			if q.Path == path {
				out = q
				return true
			}
		}
		return false
	})
	return out
}

// wantBody compares a JSON body field by field with want (the fields of
// OpenIM's callback struct, or of ZIM's documented body).
func wantBody(t *testing.T, what string, got map[string]any, want map[string]any) {
	t.Helper()
	// Round-trip want so numbers compare as JSON numbers.
	b, _ := json.Marshal(want)
	var w map[string]any
	_ = json.Unmarshal(b, &w)
	for k, v := range w {
		if gv, ok := got[k]; !ok {
			t.Errorf("%s: field %q missing (got %v)", what, k, got)
		} else if !reflect.DeepEqual(gv, v) {
			t.Errorf("%s: field %q = %#v, want %#v", what, k, gv, v)
		}
	}
	for k := range got {
		if _, ok := w[k]; !ok {
			t.Errorf("%s: unexpected field %q", what, k)
		}
	}
}

func TestZIMSignatureTestVector(t *testing.T) {
	// Callbacks_Authenticating_server-to-server_callbacks.mdx, "Sample output".
	if got := events.ZIMSignature("secret", "1470820198", "123412"); got != "5bd59fd62953a8059fb7eaba95720f66d19e4517" {
		t.Fatalf("signature = %s", got)
	}
}

func TestOpenIMAndZIMReceivers(t *testing.T) {
	teststore.Each(t, func(t *testing.T, k teststore.Kind) {
		s, l := open(t, k)
		svc := domain.NewService(s, domain.Options{})
		oim, zim := newReceiver(t), newReceiver(t)
		// The ZIM receiver is down for its first two requests: the retry
		// (2 s, 4 s, … in production; fast here) gets them through.
		zim.status = func(n int) int {
			if n < 2 {
				return 503
			}
			return 200
		}
		hooks := events.NewOpenIMWebhooks(events.AllAfterCallbacks(oim.URL + "/callbackExample"))
		zsink := events.NewZIMCallbacks(events.ZIMConfig{URL: zim.URL + "/zim", AppID: 42, Secret: "s3cret"})
		start(t, l, fastConfig(hooks, zsink))
		time.Sleep(100 * time.Millisecond)

		ctx := domain.WithOrigin(context.Background(), domain.Origin{Dialect: "openim", OperationID: "op-1", Route: "/group/create_group"})
		if _, err := svc.RegisterUsers(ctx, admin, []domain.User{{UserID: "o", Nickname: "Owner"}, {UserID: "m"}, {UserID: "j"}}, false); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.CreateGroup(ctx, admin, domain.CreateGroupInput{OwnerUserID: "o", MemberUserIDs: []string{"m"},
			Group: domain.Group{GroupID: "g1", Name: "G", GroupType: domain.GroupTypeWorking, NeedVerification: domain.VerifyDirect}}); err != nil {
			t.Fatal(err)
		}
		jctx := domain.WithOrigin(context.Background(), domain.Origin{Dialect: "openim", OperationID: "op-2", Route: "/group/join_group"})
		if _, err := svc.JoinGroup(jctx, domain.Actor{UserID: "j"}, domain.JoinInput{GroupID: "g1", ReqMsg: "hi", JoinSource: domain.JoinSourceSearch}); err != nil {
			t.Fatal(err)
		}
		name := "G2"
		if err := svc.UpdateGroup(ctx, admin, "g1", domain.GroupPatch{Name: &name}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Kick(ctx, admin, domain.KickInput{GroupID: "g1", UserIDs: []string{"m"}, Reason: "spam"}); err != nil {
			t.Fatal(err)
		}
		if err := svc.QuitGroup(ctx, domain.Actor{UserID: "j"}, "g1", "j"); err != nil {
			t.Fatal(err)
		}
		if err := svc.DismissGroup(ctx, admin, "g1", true); err != nil {
			t.Fatal(err)
		}

		base := "/callbackExample/"
		create := oim.byPath(t, base+events.CallbackAfterCreateGroupCommand)
		if create.Header.Get("operationID") != "op-1" || create.EventID == 0 {
			t.Errorf("create headers: operationID %q, event ID %d", create.Header.Get("operationID"), create.EventID)
		}
		g := create.Body
		wantBody(t, "afterCreateGroup", g, map[string]any{
			"callbackCommand": events.CallbackAfterCreateGroupCommand,
			"groupID":         "g1", "groupName": "G", "notification": "", "introduction": "", "faceURL": "",
			"ownerUserID": "o", "createTime": g["createTime"], "memberCount": 2, "ex": "", "status": 0,
			"creatorUserID": "o", "groupType": 2, "needVerification": 2, "lookMemberInfo": 0, "applyMemberFriend": 0,
			"notificationUpdateTime": 0, "notificationUserID": "",
			"initMemberList": []map[string]any{{"userID": "o", "roleLevel": 100}, {"userID": "m", "roleLevel": 20}},
		})
		var reg map[string]any
		waitFor(t, "afterUserRegister of user o", func() bool {
			for _, q := range oim.got() {
				if q.Path == base+events.CallbackAfterUserRegisterCommand && q.Body["users"].([]any)[0].(map[string]any)["userID"] == "o" {
					reg = q.Body
				}
			}
			return reg != nil
		})
		wantBody(t, "afterUserRegister", reg, map[string]any{
			"callbackCommand": events.CallbackAfterUserRegisterCommand,
			"users": []map[string]any{{"userID": "o", "nickname": "Owner", "faceURL": "", "ex": "",
				"createTime": reg["users"].([]any)[0].(map[string]any)["createTime"], "appMangerLevel": 0, "globalRecvMsgOpt": 0}},
		})
		join := oim.byPath(t, base+events.CallbackAfterJoinGroupCommand)
		wantBody(t, "afterJoinGroup", join.Body, map[string]any{"callbackCommand": events.CallbackAfterJoinGroupCommand,
			"operationID": "op-2", "groupID": "g1", "reqMessage": "hi", "joinSource": 3, "inviterUserID": ""})
		wantBody(t, "afterSetGroupInfo", oim.byPath(t, base+events.CallbackAfterSetGroupInfoCommand).Body, map[string]any{
			"callbackCommand": events.CallbackAfterSetGroupInfoCommand, "operationID": "op-1", "groupID": "g1",
			"groupName": "G2", "notification": "", "introduction": "", "faceURL": "", "ex": nil,
			"needVerification": nil, "lookMemberInfo": nil, "applyMemberFriend": nil})
		wantBody(t, "afterKickGroupMember", oim.byPath(t, base+events.CallbackAfterKickGroupCommand).Body, map[string]any{
			"callbackCommand": events.CallbackAfterKickGroupCommand, "groupID": "g1", "kickedUserIDs": []string{"m"}, "reason": "spam"})
		wantBody(t, "afterQuitGroup", oim.byPath(t, base+events.CallbackAfterQuitGroupCommand).Body, map[string]any{
			"callbackCommand": events.CallbackAfterQuitGroupCommand, "groupID": "g1", "userID": "j"})
		wantBody(t, "afterDismissGroup", oim.byPath(t, base+events.CallbackAfterDisMissGroupCommand).Body, map[string]any{
			"callbackCommand": events.CallbackAfterDisMissGroupCommand, "groupID": "g1", "ownerID": "o",
			"groupType": "\u0002", "membersID": []string{"o"}})

		// ZIM: every body carries appid, event, timestamp, nonce and a
		// signature that verifies.
		check := func(q received, event string, want map[string]any) {
			t.Helper()
			b := q.Body
			ts := strconv.FormatInt(int64(b["timestamp"].(float64)), 10)
			if sig := events.ZIMSignature("s3cret", ts, b["nonce"].(string)); b["signature"] != sig {
				t.Errorf("%s: signature %v, want %s", event, b["signature"], sig)
			}
			want["appid"], want["event"], want["timestamp"], want["nonce"], want["signature"] = "42", event, b["timestamp"], b["nonce"], b["signature"]
			wantBody(t, "zim "+event, b, want)
		}
		waitFor(t, "5 ZIM callbacks", func() bool { return len(zim.got()) >= 5 })
		z := zim.got()
		check(z[0], "group_create", map[string]any{"group_id": "g1", "operator_account": "imAdmin", "owner_account": "o",
			"group_name": "G", "attributes": []any{}, "user_ids": []string{"o", "m"}})
		check(z[1], "group_join", map[string]any{"group_id": "g1", "operator_account": "", "join_type": "Apply", "new_user_ids": []string{"j"}})
		check(z[2], "group_exit", map[string]any{"group_id": "g1", "exit_type": "Kickout", "operator_account": "imAdmin", "exit_user_ids": []string{"m"}})
		check(z[3], "group_exit", map[string]any{"group_id": "g1", "exit_type": "Quit", "operator_account": "", "exit_user_ids": []string{"j"}})
		check(z[4], "group_destroy", map[string]any{"group_id": "g1", "operator_account": "imAdmin", "owner_account": "o", "user_ids": []string{"o"}})
	})
}
