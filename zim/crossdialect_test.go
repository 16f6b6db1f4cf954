package zim_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/openim"
	"github.com/groupd/groupd/zim"
)

// dialects serves both wire dialects over one service, mounted as
// cmd/groupd mounts them; the tests talk to it over HTTP only.
type dialects struct {
	*env
	token string
}

func newDialects(t *testing.T) *dialects {
	t.Helper()
	e := &env{t: t, clock: newClock(), logs: nil}
	e.db = openDB(t)
	e.svc = domain.NewService(e.db, domain.Options{Now: e.clock.Now})
	mux := http.NewServeMux()
	oh := openim.NewHandler(e.svc, openim.Config{Secret: "openim-secret", Now: e.clock.Now}, nil)
	for _, p := range []string{"/auth/", "/user/", "/group/"} {
		mux.Handle(p, oh)
	}
	mux.Handle("/{$}", zim.NewHandler(e.svc, zim.Config{AppID: testAppID, ServerSecret: testSecret, Now: e.clock.Now}, nil))
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	d := &dialects{env: e}
	var tok struct{ Token string }
	d.openim("/auth/get_admin_token", obj{"secret": "openim-secret", "userID": "imAdmin"}, &tok)
	d.token = tok.Token
	return d
}

// openimCall posts to an OpenIM route and returns errCode, decoding data into out.
func (d *dialects) openimCall(path string, body any, out any) int {
	d.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", d.srv.URL+path, bytes.NewReader(b))
	req.Header.Set("operationID", "op-1")
	if d.token != "" {
		req.Header.Set("token", d.token)
	}
	resp, err := d.srv.Client().Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusNotFound {
		d.t.Fatalf("OpenIM route %s: HTTP 404, route not served", path)
	}
	var env struct {
		ErrCode int             `json:"errCode"`
		ErrMsg  string          `json:"errMsg"`
		Data    json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		d.t.Fatalf("%s: %q", path, raw)
	}
	if out != nil && env.ErrCode == 0 && len(env.Data) > 0 {
		if err := json.Unmarshal(env.Data, out); err != nil {
			d.t.Fatalf("%s data: %v: %s", path, err, env.Data)
		}
	}
	return env.ErrCode
}

// openimError calls an OpenIM route that must fail and returns its errDlt.
func (d *dialects) openimError(path string, body any) string {
	d.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", d.srv.URL+path, bytes.NewReader(b))
	req.Header.Set("operationID", "op-1")
	req.Header.Set("token", d.token)
	resp, err := d.srv.Client().Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	var env struct {
		ErrCode int    `json:"errCode"`
		ErrDlt  string `json:"errDlt"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || env.ErrCode == 0 {
		d.t.Fatalf("%s: errCode %d (%v), want an error", path, env.ErrCode, err)
	}
	return env.ErrDlt
}

// openim calls an OpenIM route that must succeed.
func (d *dialects) openim(path string, body, out any) {
	d.t.Helper()
	if code := d.openimCall(path, body, out); code != 0 {
		d.t.Fatalf("%s: errCode %d", path, code)
	}
}

type openimGroup struct {
	GroupID, GroupName, Notification, FaceURL, OwnerUserID string
	MemberCount                                            int64
	Status, NeedVerification                               int
	CreateTime                                             int64
}

func (d *dialects) openimGroup(id string) openimGroup {
	d.t.Helper()
	var resp struct{ GroupInfos []openimGroup }
	d.openim("/group/get_groups_info", obj{"groupIDs": []string{id}}, &resp)
	if len(resp.GroupInfos) != 1 {
		d.t.Fatalf("get_groups_info %s: %+v", id, resp)
	}
	return resp.GroupInfos[0]
}

type openimMember struct {
	UserID      string
	RoleLevel   int
	MuteEndTime int64
	Nickname    string
}

func (d *dialects) openimMembers(id string) map[string]openimMember {
	d.t.Helper()
	var resp struct{ Members []openimMember }
	d.openim("/group/get_group_member_list", obj{"groupID": id, "pagination": obj{"pageNumber": 1, "showNumber": 100}}, &resp)
	out := map[string]openimMember{}
	for _, m := range resp.Members {
		out[m.UserID] = m
	}
	return out
}

func TestCrossDialectZIMToOpenIM(t *testing.T) {
	d := newDialects(t)
	d.register("admin", "o", "a", "b")
	d.post("CreateGroup", obj{"GroupId": "z1", "GroupName": "Zed", "GroupNotice": "hi", "GroupAvatar": "https://a/z.png",
		"GroupOwner": "o", "UserId": []string{"a", "b"}}).ok()
	d.get("SetGroupMemberRole", url.Values{"FromUserId": {"o"}, "GroupId": {"z1"}, "ToUserId": {"a"}, "Role": {"2"}}).ok()
	d.get("SetGroupMemberRole", url.Values{"FromUserId": {"o"}, "GroupId": {"z1"}, "ToUserId": {"b"}, "Role": {"120"}}).ok()
	d.post("SetGroupMembersNickname", obj{"FromUserId": "o", "GroupId": "z1", "UserIds": []obj{{"UserId": "b", "Nickname": "Bee"}}}).ok()

	g := d.openimGroup("z1")
	if g.GroupName != "Zed" || g.Notification != "hi" || g.FaceURL != "https://a/z.png" || g.OwnerUserID != "o" ||
		g.MemberCount != 3 || g.Status != 0 || g.NeedVerification != domain.VerifyDirect || g.CreateTime != d.clock.Now().UnixMilli() {
		t.Fatalf("OpenIM sees %+v", g)
	}
	ms := d.openimMembers("z1")
	if ms["o"].RoleLevel != 100 || ms["a"].RoleLevel != 60 || ms["b"].RoleLevel != 20 || ms["b"].Nickname != "Bee" {
		t.Fatalf("OpenIM members %+v", ms)
	}

	// Mute in ZIM, visible in OpenIM: the group's status, a member's muteEndTime.
	d.get("MuteGroup", url.Values{"FromUserId": {"o"}, "GroupId": {"z1"}, "IsAllMuted": {"true"}, "Duration": {"-1"}}).ok()
	d.get("MuteGroupMembers", url.Values{"FromUserId": {"o"}, "GroupId": {"z1"}, "UserIds[]": {"b"}, "Duration": {"60"}}).ok()
	if g := d.openimGroup("z1"); g.Status != 3 /* OpenIM: muted */ {
		t.Fatalf("OpenIM status %d, want 3", g.Status)
	}
	if ms := d.openimMembers("z1"); ms["b"].MuteEndTime != d.clock.Now().UnixMilli()+60_000 {
		t.Fatalf("muteEndTime %d", ms["b"].MuteEndTime)
	}

	// Changes in OpenIM show in ZIM, GroupDataSeq included.
	seq := d.info("z1").GroupDataSeq
	d.openim("/group/set_group_info", obj{"groupInfoForSet": obj{"groupID": "z1", "groupName": "Renamed", "notification": "new notice"}}, nil)
	gi := d.info("z1")
	if gi.GroupName != "Renamed" || gi.GroupNotice != "new notice" || gi.GroupDataSeq != seq+1 {
		t.Fatalf("ZIM sees %+v (seq was %d)", gi, seq)
	}
	d.openim("/group/transfer_group", obj{"groupID": "z1", "oldOwnerUserID": "o", "newOwnerUserID": "a"}, nil)
	if r := d.members("z1").roles(); r["a"] != 1 || r["o"] != 2 || r["b"] != 120 {
		t.Fatalf("ZIM roles after OpenIM transfer %v", r)
	}
	if gi := d.info("z1"); gi.GroupDataSeq != seq+2 {
		t.Fatalf("GroupDataSeq %d after transfer, want %d", gi.GroupDataSeq, seq+2)
	}
}

func TestCrossDialectOpenIMToZIM(t *testing.T) {
	d := newDialects(t)
	d.openim("/user/user_register", obj{"users": []obj{{"userID": "admin", "nickname": "Admin"}, {"userID": "o", "nickname": "Owner"},
		{"userID": "a", "nickname": "A"}, {"userID": "b", "nickname": "B"}, {"userID": "c", "nickname": "C"}}}, nil)
	var created struct{ GroupInfo openimGroup }
	d.openim("/group/create_group", obj{"ownerUserID": "o", "adminUserIDs": []string{"a"}, "memberUserIDs": []string{"b"},
		"groupInfo": obj{"groupName": "Oh", "notification": "n", "faceURL": "f", "groupType": 2, "needVerification": 0}}, &created)
	id := created.GroupInfo.GroupID
	if id == "" {
		t.Fatal("no groupID")
	}
	gi := d.info(id)
	if gi.GroupName != "Oh" || gi.GroupNotice != "n" || gi.GroupAvatar != "f" || gi.GroupDataSeq != 1 ||
		gi.LimitInfo.JoinMode != 1 || gi.GroupCreateTime != created.GroupInfo.CreateTime || gi.IsAllForbid {
		t.Fatalf("ZIM sees %+v", gi)
	}
	ml := d.members(id)
	if r := ml.roles(); ml.TotalCount != 3 || r["o"] != 1 || r["a"] != 2 || r["b"] != 3 || ml.MemberList[0].UserName != "Owner" {
		t.Fatalf("ZIM members %+v", ml)
	}
	var joined struct{ HasJoinGroupNum int64 }
	d.post("QueryGroupsInfoOfUser", obj{"FromUserId": "b", "Limit": 10}).ok().into(&joined)
	if joined.HasJoinGroupNum != 1 {
		t.Fatalf("b joined %d", joined.HasJoinGroupNum)
	}

	// ZIM manages the OpenIM group.
	d.post("UpdateGroupData", obj{"FromUserId": "o", "GroupId": id, "GroupAvatar": "g"}).ok()
	if g := d.openimGroup(id); g.FaceURL != "g" {
		t.Fatalf("OpenIM faceURL %q", g.FaceURL)
	}

	// The member limit set in ZIM binds OpenIM invitations too.
	d.get("ModifyGroupLimit", url.Values{"FromUserId": {"o"}, "GroupId": {id}, "MemberCountLimit": {"3"}}).ok()
	if code := d.openimCall("/group/invite_user_to_group", obj{"groupID": id, "invitedUserIDs": []string{"c"}}, nil); code == 0 {
		t.Fatal("OpenIM invitation over the member limit succeeded")
	}
	if g := d.openimGroup(id); g.MemberCount != 3 {
		t.Fatalf("memberCount %d", g.MemberCount)
	}
	d.get("ModifyGroupLimit", url.Values{"FromUserId": {"o"}, "GroupId": {id}, "MemberCountLimit": {"4"}}).ok()
	d.openim("/group/invite_user_to_group", obj{"groupID": id, "invitedUserIDs": []string{"c"}}, nil)

	// JoinMode 2 (invite only) has no OpenIM value; OpenIM still reads the group.
	d.get("ModifyGroupLimit", url.Values{"FromUserId": {"o"}, "GroupId": {id}, "JoinMode": {"2"}}).ok()
	d.openimGroup(id)

	// Mute in OpenIM, visible in ZIM (when OpenIM serves mute_group).
	t.Run("OpenIMMute", func(t *testing.T) {
		sub := &dialects{env: &env{t: t, clock: d.clock, db: d.db, svc: d.svc, srv: d.srv}, token: d.token}
		sub.openim("/group/mute_group", obj{"groupID": id}, nil)
		if gi := sub.info(id); !gi.IsAllForbid || gi.ForbidExpireTime != -1 {
			t.Fatalf("ZIM after OpenIM mute_group: %+v", gi)
		}
		sub.openim("/group/cancel_mute_group", obj{"groupID": id}, nil)
		if gi := sub.info(id); gi.IsAllForbid || gi.ForbidExpireTime != 0 {
			t.Fatalf("ZIM after OpenIM cancel_mute_group: %+v", gi)
		}
	})

	// Dismissed in OpenIM: gone for ZIM.
	d.openim("/group/dismiss_group", obj{"groupID": id}, nil)
	d.post("QueryGroupInfo", obj{"FromUserId": "o", "GroupId": id}).wantCode(660600001)
	var after struct {
		NextRsp       string
		GroupInfoList []any
	}
	d.post("QueryGroupsInfoOfUser", obj{"FromUserId": "b", "Limit": 10}).ok().into(&after)
	if len(after.GroupInfoList) != 0 || after.NextRsp != "0" {
		t.Fatalf("dismissed group still listed: %+v", after)
	}
}
