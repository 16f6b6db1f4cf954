package openim

import (
	"testing"
	"time"
)

// status reads g1's status as a member sees it.
func (w *world) status(t *testing.T) float64 {
	t.Helper()
	return w.data(t, "/group/get_groups_info", w.member, map[string]any{"groupIDs": []string{"g1"}})["groupInfos"].([]any)[0].(map[string]any)["status"].(float64)
}

// muteEnd reads userID's muteEndTime in g1.
func (w *world) muteEnd(t *testing.T, userID string) int64 {
	t.Helper()
	m := w.data(t, "/group/get_group_members_info", w.env.admin, map[string]any{"groupID": "g1", "userIDs": []string{userID}})
	return int64(m["members"].([]any)[0].(map[string]any)["muteEndTime"].(float64))
}

func TestMuteGroupRoutes(t *testing.T) {
	cases := []struct {
		name string
		who  string
		body map[string]any
		code int
	}{
		{"owner", "owner", map[string]any{"groupID": "g1"}, 0},
		{"admin", "admin", map[string]any{"groupID": "g1"}, 0},
		{"app admin", "appadmin", map[string]any{"groupID": "g1"}, 0},
		{"member", "member", map[string]any{"groupID": "g1"}, codeNoPermission},
		{"outsider", "outsider", map[string]any{"groupID": "g1"}, codeRecordNotFound},
		{"unknown group", "appadmin", map[string]any{"groupID": "nope"}, codeGroupIDNotFound},
		{"no group", "owner", map[string]any{}, codeArgs},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			if c.code != 0 {
				w.fail(t, "/group/mute_group", w.tok(c.who), c.body, c.code)
				w.fail(t, "/group/cancel_mute_group", w.tok(c.who), c.body, c.code)
				if w.status(t) != 0 {
					t.Fatal("refused mute changed the status")
				}
				return
			}
			r := w.ok(t, "/group/mute_group", w.tok(c.who), c.body)
			jsonEqual(t, r.raw, `{"errCode":0,"errMsg":"","errDlt":""}`)
			if s := w.status(t); s != 3 {
				t.Fatalf("status after mute_group: %v", s)
			}
			// Muting stays until cancelled, however long.
			w.clock.Advance(80 * 24 * time.Hour) // tokens live 90 days
			if s := w.status(t); s != 3 {
				t.Fatalf("status a long time later: %v", s)
			}
			w.ok(t, "/group/mute_group", w.tok(c.who), c.body) // again: still fine
			w.ok(t, "/group/cancel_mute_group", w.tok(c.who), c.body)
			if s := w.status(t); s != 0 {
				t.Fatalf("status after cancel_mute_group: %v", s)
			}
			w.ok(t, "/group/cancel_mute_group", w.tok(c.who), c.body) // cancelling an unmuted group is fine
		})
	}
}

func TestMuteMemberRoutes(t *testing.T) {
	cases := []struct {
		name   string
		who    string
		target string
		code   int
	}{
		{"owner mutes member", "owner", "member", 0},
		{"owner mutes admin", "owner", "admin", 0},
		{"owner mutes owner", "owner", "owner", codeNoPermission},
		{"admin mutes member", "admin", "member", 0},
		{"admin mutes admin (self)", "admin", "admin", codeNoPermission},
		{"admin mutes owner", "admin", "owner", codeNoPermission},
		{"member mutes member", "member", "member2", codeNoPermission},
		{"member mutes self", "member", "member", codeNoPermission},
		{"outsider mutes member", "outsider", "member", codeRecordNotFound},
		{"app admin mutes owner", "appadmin", "owner", 0},
		{"app admin mutes admin", "appadmin", "admin", 0},
		{"mute a non-member", "owner", "outsider", codeRecordNotFound},
		{"mute an unknown user", "owner", "ghost", codeRecordNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			body := map[string]any{"groupID": "g1", "userID": c.target, "mutedSeconds": 600}
			if c.code != 0 {
				w.fail(t, "/group/mute_group_member", w.tok(c.who), body, c.code)
				w.fail(t, "/group/cancel_mute_group_member", w.tok(c.who), map[string]any{"groupID": "g1", "userID": c.target}, c.code)
				if c.code != codeRecordNotFound && w.muteEnd(t, c.target) != 0 {
					t.Fatal("refused mute muted")
				}
				return
			}
			until := w.clock.Now().UnixMilli() + 600_000
			w.ok(t, "/group/mute_group_member", w.tok(c.who), body)
			if got := w.muteEnd(t, c.target); got != until {
				t.Fatalf("muteEndTime %d, want %d", got, until)
			}
			w.ok(t, "/group/cancel_mute_group_member", w.tok(c.who), map[string]any{"groupID": "g1", "userID": c.target})
			if got := w.muteEnd(t, c.target); got != 0 {
				t.Fatalf("muteEndTime after cancel: %d", got)
			}
		})
	}
}

// A member mute ends by itself: muteEndTime reads 0 from then on.
func TestMemberMuteExpiry(t *testing.T) {
	w := newWorld(t)
	start := w.clock.Now().UnixMilli()
	w.ok(t, "/group/mute_group_member", w.owner, map[string]any{"groupID": "g1", "userID": "member", "mutedSeconds": 60})
	for _, c := range []struct {
		at   time.Duration
		want int64
	}{
		{0, start + 60_000},
		{59*time.Second + 999*time.Millisecond, start + 60_000},
		{60 * time.Second, 0},
		{time.Hour, 0},
	} {
		w.clock.Set(start + c.at.Milliseconds())
		if got := w.muteEnd(t, "member"); got != c.want {
			t.Errorf("at +%v: muteEndTime %d, want %d", c.at, got, c.want)
		}
	}
	// A later mute replaces the earlier one, shorter or longer.
	w.ok(t, "/group/mute_group_member", w.owner, map[string]any{"groupID": "g1", "userID": "member", "mutedSeconds": 10})
	if got, want := w.muteEnd(t, "member"), w.clock.Now().UnixMilli()+10_000; got != want {
		t.Fatalf("re-muted: %d, want %d", got, want)
	}
}

func TestMuteMemberArgs(t *testing.T) {
	w := newWorld(t)
	cases := []struct {
		name string
		body any
	}{
		{"mutedSeconds 0", map[string]any{"groupID": "g1", "userID": "member", "mutedSeconds": 0}},
		{"mutedSeconds missing", map[string]any{"groupID": "g1", "userID": "member"}},
		{"mutedSeconds negative", map[string]any{"groupID": "g1", "userID": "member", "mutedSeconds": -5}},
		{"mutedSeconds over uint32", map[string]any{"groupID": "g1", "userID": "member", "mutedSeconds": 1 << 32}},
		{"mutedSeconds fractional", `{"groupID":"g1","userID":"member","mutedSeconds":1.5}`},
		{"mutedSeconds string", `{"groupID":"g1","userID":"member","mutedSeconds":"60"}`},
		{"no user", map[string]any{"groupID": "g1", "mutedSeconds": 60}},
		{"no group", map[string]any{"userID": "member", "mutedSeconds": 60}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := w.fail(t, "/group/mute_group_member", w.owner, c.body, codeArgs)
			if r.ErrDlt == "" {
				t.Fatal("no errDlt")
			}
		})
	}
	w.fail(t, "/group/mute_group_member", w.owner, map[string]any{"groupID": "nope", "userID": "member", "mutedSeconds": 60}, codeGroupIDNotFound)
	w.fail(t, "/group/cancel_mute_group_member", w.owner, map[string]any{"groupID": "g1"}, codeArgs)
	w.ok(t, "/group/mute_group_member", w.owner, map[string]any{"groupID": "g1", "userID": "member", "mutedSeconds": 4294967295})
	if got, want := w.muteEnd(t, "member"), w.clock.Now().UnixMilli()+4294967295000; got != want {
		t.Fatalf("longest mute: %d, want %d", got, want)
	}
}
