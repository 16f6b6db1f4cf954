package admin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/groupd/groupd/admin"
	"github.com/groupd/groupd/client"
	"github.com/groupd/groupd/domain"
	"github.com/groupd/groupd/events"
	"github.com/groupd/groupd/internal/testserver"
)

// deadLetters makes n events (users registered) and records them as dead
// letters of sink; it returns their IDs.
func deadLetters(t *testing.T, db domain.Store, sink string, n int) []int64 {
	t.Helper()
	ctx := context.Background()
	svc := domain.NewService(db, domain.Options{})
	var users []domain.User
	for i := range n {
		users = append(users, domain.User{UserID: sink + "-dead-" + string(rune('a'+i))})
	}
	if _, err := svc.RegisterUsers(ctx, domain.Actor{UserID: "imAdmin", Admin: true}, users, false); err != nil {
		t.Fatal(err)
	}
	evs, err := db.ReadEvents(ctx, domain.EventPos{}, 100000)
	if err != nil {
		t.Fatal(err)
	}
	evs = evs[len(evs)-n:]
	var dls []domain.DeadLetter
	var ids []int64
	for _, e := range evs {
		dls = append(dls, domain.DeadLetter{Sink: sink, EventID: e.ID, Partition: e.Partition, Type: e.Type,
			Attempts: 12, Error: "HTTP 500 from the receiver", DeadAt: time.Now().UnixMilli()})
		ids = append(ids, e.ID)
	}
	if err := db.SaveSinkProgress(ctx, sink, evs[len(evs)-1].Pos(), nil, dls); err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestEventsAPI: the dead-letter API through the real handler stack, to
// app admins only: status per sink, list, replay by IDs and all.
func TestEventsAPI(t *testing.T) {
	srv := testserver.New(t, testserver.Options{})
	h := admin.RequireAdminToken(srv.Mux, admin.EventsAPI{Log: srv.Store, Sinks: []string{"zim-callbacks"},
		Stats: func() map[string]events.SinkSnapshot {
			return map[string]events.SinkSnapshot{"zim-callbacks": {Delivered: 7, Failures: 2, Backlog: 1, P99: 3 * time.Millisecond}}
		}}.Handler())
	srv.Mux.Handle("/admin/api/events", h)
	srv.Mux.Handle("/admin/api/events/", h)
	ctx := context.Background()
	api := client.New(srv.URL, client.WithSecret(testserver.Secret))
	token, err := api.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := deadLetters(t, srv.Store, "openim-webhooks", 4)

	call := func(method, path, tok, body string, out any) int {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if tok != "" {
			req.Header.Set("token", tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if out != nil && resp.StatusCode == 200 {
			if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
				t.Fatal(err)
			}
		}
		return resp.StatusCode
	}
	if code := call("GET", "/admin/api/events", "", "", nil); code != 401 {
		t.Fatalf("no token: %d", code)
	}
	if err := api.UserRegister(ctx, &client.UserRegisterReq{Users: []client.NewUser{{UserID: "bob"}}}); err != nil {
		t.Fatal(err)
	}
	bob, err := api.GetUserToken(ctx, &client.UserPlatformReq{PlatformID: 1, UserID: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	if code := call("POST", "/admin/api/events/replay", bob.Token, "{}", nil); code != 403 {
		t.Fatalf("a user's token: %d", code)
	}

	var st struct{ Sinks []admin.SinkStatus }
	if code := call("GET", "/admin/api/events", token, "", &st); code != 200 || len(st.Sinks) != 2 ||
		st.Sinks[0] != (admin.SinkStatus{Name: "zim-callbacks", Delivered: 7, Failures: 2, Backlog: 1, P99Ms: 3}) ||
		st.Sinks[1].Name != "openim-webhooks" || st.Sinks[1].DeadLetters != 4 {
		t.Fatalf("status %d: %+v", code, st)
	}
	var dl struct{ DeadLetters []admin.DeadLetter }
	if code := call("GET", "/admin/api/events/dead?sink=openim-webhooks&limit=3", token, "", &dl); code != 200 || len(dl.DeadLetters) != 3 ||
		dl.DeadLetters[0].EventID != ids[0] || dl.DeadLetters[0].Error != "HTTP 500 from the receiver" || dl.DeadLetters[0].Replay {
		t.Fatalf("dead %d: %+v", code, dl)
	}
	if code := call("GET", "/admin/api/events/dead?limit=0", token, "", nil); code != 400 {
		t.Fatalf("limit 0: %d", code)
	}
	var r struct{ Marked int }
	if code := call("POST", "/admin/api/events/replay", token, `{"sink":"openim-webhooks","eventIDs":[`+itoa(ids[1])+`]}`, &r); code != 200 || r.Marked != 1 {
		t.Fatalf("replay one: %d %+v", code, r)
	}
	if code := call("POST", "/admin/api/events/replay", token, `{"bogus":1}`, nil); code != 400 {
		t.Fatalf("unknown field: %d", code)
	}
	if code := call("POST", "/admin/api/events/replay", token, ``, &r); code != 200 || r.Marked != 3 {
		t.Fatalf("replay all: %d %+v", code, r)
	}
	all, _ := srv.Store.DeadLetters(ctx, "", 100)
	for _, d := range all {
		if !d.Replay {
			t.Fatalf("not marked: %+v", d)
		}
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }
