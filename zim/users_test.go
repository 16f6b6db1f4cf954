package zim_test

import (
	"fmt"
	"strings"
	"testing"
)

type userInfos struct {
	Result []struct {
		UserId, UserName, UserAvatar, Extra string
	}
	ErrorList []struct {
		UserId  string
		SubCode int
	}
}

// profile answers QueryUserInfos for one registered user.
func (e *env) profile(id string) (name, avatar, extra string) {
	e.t.Helper()
	var r userInfos
	e.post("QueryUserInfos", obj{"UserIds": []string{id}}).ok().into(&r)
	if len(r.Result) != 1 || r.Result[0].UserId != id || len(r.ErrorList) != 0 {
		e.t.Fatalf("QueryUserInfos %s: %+v", id, r)
	}
	u := r.Result[0]
	return u.UserName, u.UserAvatar, u.Extra
}

func TestModifyUserInfo(t *testing.T) {
	e := setup(t)
	t.Run("OK", func(t *testing.T) {
		e := e.on(t)
		r := e.post("ModifyUserInfo", obj{"UserInfo": []obj{
			{"UserId": "a", "UserName": "Alpha", "UserAvatar": "https://av/a", "Extra": `{"level":3}`},
			{"UserId": "b", "UserName": "Beta"},
		}}).ok()
		if len(r.errorUsers("ErrorList")) != 0 {
			t.Fatalf("ErrorList %s", r.body)
		}
		if n, av, ex := e.profile("a"); n != "Alpha" || av != "https://av/a" || ex != `{"level":3}` {
			t.Fatalf("a = %q %q %q", n, av, ex)
		}
		// A field left out stays.
		if n, av, _ := e.profile("b"); n != "Beta" || av != "https://a/b" {
			t.Fatalf("b = %q %q", n, av)
		}
	})
	t.Run("OmittedStaysEmptyClearsNullStays", func(t *testing.T) {
		e := e.on(t)
		e.post("ModifyUserInfo", `{"UserInfo":[{"UserId":"a","UserAvatar":"","Extra":null}]}`).ok()
		if n, av, ex := e.profile("a"); n != "Alpha" || av != "" || ex != `{"level":3}` {
			t.Fatalf("a = %q %q %q", n, av, ex)
		}
		// Only the UserId: nothing changes, and that is a success.
		e.post("ModifyUserInfo", obj{"UserInfo": []obj{{"UserId": "a"}}}).ok()
		if n, _, _ := e.profile("a"); n != "Alpha" {
			t.Fatalf("a = %q", n)
		}
	})
	t.Run("PartialSuccess", func(t *testing.T) {
		e := e.on(t)
		long := strings.Repeat("l", 33)
		r := e.post("ModifyUserInfo", obj{"UserInfo": []obj{
			{"UserId": "c", "UserName": "Gamma"},
			{"UserId": "ghost", "UserName": "G"},
			{"UserId": long},
			{"UserId": ""},
			{"UserId": "x", "UserName": strings.Repeat("n", 257)},
			{"UserId": "x", "UserAvatar": strings.Repeat("n", 501)},
			{"UserId": "x", "Extra": strings.Repeat("e", 32<<10+1)},
			{"UserId": "c", "UserName": "twice"},
		}}).ok()
		list := r.m["ErrorList"].([]any)
		want := []struct {
			id   string
			code int
		}{{long, 660000012}, {"", 660000002}, {"x", 660700006}, {"x", 660700007}, {"x", 660000002}, {"c", 660000002}, {"ghost", 660700012}}
		if len(list) != len(want) {
			t.Fatalf("ErrorList %s", r.body)
		}
		for i, w := range want {
			it := list[i].(map[string]any)
			code, _ := it["SubCode"].(interface{ Int64() (int64, error) }).Int64()
			if it["UserId"] != w.id || int(code) != w.code || it["SubMessage"] == "" {
				t.Fatalf("ErrorList[%d] = %v, want %s %d", i, it, w.id, w.code)
			}
		}
		if sub := list[6].(map[string]any)["SubMessage"].(string); !strings.Contains(sub, "ghost") {
			t.Fatalf("SubMessage of ghost %q does not name the user", sub)
		}
		if n, _, _ := e.profile("c"); n != "Gamma" {
			t.Fatalf("c = %q", n)
		}
		if n, _, _ := e.profile("x"); n != "name-x" {
			t.Fatalf("x changed: %q", n)
		}
		// Extra up to 32 KB fits.
		e.post("ModifyUserInfo", obj{"UserInfo": []obj{{"UserId": "x", "Extra": strings.Repeat("e", 32<<10)}}}).ok()
	})
	t.Run("AllFailed", func(t *testing.T) {
		e := e.on(t)
		r := e.post("ModifyUserInfo", obj{"UserInfo": []obj{{"UserId": "ghost1"}, {"UserId": "ghost2"}}}).wantCode(660700012)
		if got := r.errorUsers("ErrorList"); len(got) != 2 || got["ghost1"] != 660700012 {
			t.Fatalf("ErrorList %v", got)
		}
		r = e.post("ModifyUserInfo", obj{"UserInfo": []obj{{"UserId": "ghost1"}, {"UserId": strings.Repeat("l", 33)}}}).wantCode(660600033)
		if len(r.errorUsers("ErrorList")) != 2 {
			t.Fatalf("ErrorList %s", r.body)
		}
	})
	many := []obj{}
	for _, id := range ids(101, "m") {
		many = append(many, obj{"UserId": id})
	}
	bad := []struct {
		name string
		body any
		code int
	}{
		{"Empty", obj{"UserInfo": []obj{}}, 660000002},
		{"Missing", obj{}, 660000002},
		{"TooMany", obj{"UserInfo": many}, 660000011},
		{"WrongType", `{"UserInfo":[{"UserId":"a","UserName":5}]}`, 660000002},
		{"Malformed", `{"UserInfo":[`, 660000002},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) { e.on(t).post("ModifyUserInfo", tt.body).wantCode(tt.code) })
	}
	t.Run("WrongMethod", func(t *testing.T) { e.on(t).get("ModifyUserInfo", nil).wantCode(100000007) })
	t.Run("HundredFit", func(t *testing.T) {
		e := e.on(t)
		e.register(ids(100, "h")...)
		infos := []obj{}
		for _, id := range ids(100, "h") {
			infos = append(infos, obj{"UserId": id, "UserName": "H"})
		}
		e.post("ModifyUserInfo", obj{"UserInfo": infos}).ok()
		if n, _, _ := e.profile("h099"); n != "H" {
			t.Fatalf("h099 = %q", n)
		}
	})
}

func TestModifyUserInfoShowsInGroups(t *testing.T) {
	e := setup(t)
	e.group("g", "o", "a")
	e.post("ModifyUserInfo", obj{"UserInfo": []obj{{"UserId": "a", "UserName": "Renamed"}}}).ok()
	for _, m := range e.members("g").MemberList {
		if m.UserId == "a" && m.UserName != "Renamed" {
			t.Fatalf("member list UserName %q", m.UserName)
		}
	}
}

func TestQueryUserInfos(t *testing.T) {
	e := setup(t)
	e.post("ModifyUserInfo", obj{"UserInfo": []obj{{"UserId": "b", "Extra": "ex-b"}}}).ok()
	t.Run("OrderAndRepeats", func(t *testing.T) {
		var r userInfos
		e.on(t).post("QueryUserInfos", obj{"UserIds": []string{"b", "a", "b"}}).ok().into(&r)
		if len(r.Result) != 2 || r.Result[0].UserId != "b" || r.Result[1].UserId != "a" || len(r.ErrorList) != 0 {
			t.Fatalf("%+v", r)
		}
		if u := r.Result[0]; u.UserName != "name-b" || u.UserAvatar != "https://a/b" || u.Extra != "ex-b" {
			t.Fatalf("b = %+v", u)
		}
	})
	t.Run("PartialSuccess", func(t *testing.T) {
		var r userInfos
		long := strings.Repeat("l", 65)
		res := e.on(t).post("QueryUserInfos", obj{"UserIds": []string{"ghost", "a", long, "", strings.Repeat("m", 64)}}).ok()
		res.into(&r)
		if len(r.Result) != 1 || r.Result[0].UserId != "a" {
			t.Fatalf("Result %+v", r.Result)
		}
		got := res.errorUsers("ErrorList")
		want := map[string]int{"ghost": 660000002, long: 660000002, "": 660000002, strings.Repeat("m", 64): 660000002}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("ErrorList %v, want %v", got, want)
		}
		// The documented items are {UserId, SubCode}.
		for _, it := range res.m["ErrorList"].([]any) {
			if len(it.(map[string]any)) != 2 {
				t.Fatalf("ErrorList item %v", it)
			}
		}
	})
	t.Run("NoneRegistered", func(t *testing.T) {
		r := e.on(t).post("QueryUserInfos", obj{"UserIds": []string{"ghost1", "ghost2"}}).wantCode(660700015)
		if got := r.errorUsers("ErrorList"); len(got) != 2 || got["ghost1"] != 660000002 {
			t.Fatalf("ErrorList %v", got)
		}
		if res, ok := r.m["Result"].([]any); !ok || len(res) != 0 {
			t.Fatalf("Result %s", r.body)
		}
		if !strings.Contains(r.Message(), "ghost1") {
			t.Fatalf("Message %q does not name a user", r.Message())
		}
	})
	t.Run("Hundred", func(t *testing.T) {
		e := e.on(t)
		e.post("QueryUserInfos", obj{"UserIds": ids(100, "q")}).wantCode(660700015)
		e.post("QueryUserInfos", obj{"UserIds": ids(101, "q")}).wantCode(660000011)
	})
	bad := []struct {
		name string
		body any
	}{
		{"Empty", obj{"UserIds": []string{}}},
		{"Missing", obj{}},
		{"NotStrings", obj{"UserIds": []int{1}}},
		{"NotArray", obj{"UserIds": "a"}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) { e.on(t).post("QueryUserInfos", tt.body).wantCode(660000002) })
	}
	t.Run("WrongMethod", func(t *testing.T) { e.on(t).get("QueryUserInfos", nil).wantCode(100000007) })
}

// Users registered through OpenIM are found, and ZIM's changes show there.
func TestUserInfosCrossDialect(t *testing.T) {
	d := newDialects(t)
	d.openim("/user/user_register", obj{"users": []obj{{"userID": "u1", "nickname": "One", "faceURL": "f1", "ex": "x1"}}}, nil)
	if n, av, ex := d.profile("u1"); n != "One" || av != "f1" || ex != "x1" {
		t.Fatalf("u1 = %q %q %q", n, av, ex)
	}
	d.post("ModifyUserInfo", obj{"UserInfo": []obj{{"UserId": "u1", "UserName": "Uno", "Extra": "x2"}}}).ok()
	var resp struct {
		UsersInfo []struct{ UserID, Nickname, FaceURL, Ex string }
	}
	d.openim("/user/get_users_info", obj{"userIDs": []string{"u1"}}, &resp)
	if len(resp.UsersInfo) != 1 || resp.UsersInfo[0].Nickname != "Uno" || resp.UsersInfo[0].FaceURL != "f1" || resp.UsersInfo[0].Ex != "x2" {
		t.Fatalf("get_users_info %+v", resp)
	}
}
