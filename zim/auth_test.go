package zim_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/groupd/groupd/zim"
)

func TestSignReferenceVector(t *testing.T) {
	got := zim.Sign(12345, "4fd24687296dd9f3", "9193cc662a4c0ec135ec71fb57194b38", 1615186943)
	if want := "43e5cfcca828314675f91b001390566a"; got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

func TestSignatureFailures(t *testing.T) {
	e := newEnv(t, noLimits)
	e.register("admin")
	body := []byte(`{"FromUserId":"admin","GroupId":"g"}`)
	resign := func(q url.Values) {
		ts, _ := strconv.ParseInt(q.Get("Timestamp"), 10, 64)
		q.Set("Signature", zim.Sign(testAppID, q.Get("SignatureNonce"), testSecret, ts))
	}
	tests := []struct {
		name   string
		method string
		edit   func(q url.Values)
		code   int
	}{
		{"OK", "POST", func(url.Values) {}, 660600001},
		{"UppercaseSignature", "POST", func(q url.Values) { q.Set("Signature", strings.ToUpper(q.Get("Signature"))) }, 660600001},
		{"AppIdMissing", "POST", func(q url.Values) { q.Del("AppId") }, 100000001},
		{"AppIdNotNumber", "POST", func(q url.Values) { q.Set("AppId", "abc") }, 100000001},
		{"AppIdTooBig", "POST", func(q url.Values) { q.Set("AppId", "4294967296") }, 100000001},
		{"AppIdWrong", "POST", func(q url.Values) {
			ts, _ := strconv.ParseInt(q.Get("Timestamp"), 10, 64)
			q.Set("AppId", "54321")
			q.Set("Signature", zim.Sign(54321, q.Get("SignatureNonce"), testSecret, ts))
		}, 100000001},
		{"TimestampEmpty", "POST", func(q url.Values) { q.Del("Timestamp") }, 100000002},
		{"TimestampNotNumber", "POST", func(q url.Values) { q.Set("Timestamp", "soon") }, 100000003},
		{"TimestampTooOld", "POST", func(q url.Values) {
			q.Set("Timestamp", strconv.FormatInt(time.Date(2025, 3, 1, 11, 49, 59, 0, time.UTC).Unix(), 10))
			resign(q)
		}, 100000004},
		{"TimestampTooNew", "POST", func(q url.Values) {
			q.Set("Timestamp", strconv.FormatInt(time.Date(2025, 3, 1, 12, 10, 1, 0, time.UTC).Unix(), 10))
			resign(q)
		}, 100000004},
		{"TimestampTenMinutesOld", "POST", func(q url.Values) {
			q.Set("Timestamp", strconv.FormatInt(time.Date(2025, 3, 1, 11, 50, 0, 0, time.UTC).Unix(), 10))
			resign(q)
		}, 660600001},
		{"NonceEmpty", "POST", func(q url.Values) { q.Del("SignatureNonce") }, 100000008},
		{"NonceTooLong", "POST", func(q url.Values) { q.Set("SignatureNonce", strings.Repeat("a", 65)); resign(q) }, 100000005},
		{"SignatureEmpty", "POST", func(q url.Values) { q.Del("Signature") }, 100000009},
		{"SignatureWrong", "POST", func(q url.Values) { q.Set("Signature", strings.Repeat("0", 32)) }, 100000005},
		{"SignatureOtherSecret", "POST", func(q url.Values) {
			ts, _ := strconv.ParseInt(q.Get("Timestamp"), 10, 64)
			q.Set("Signature", zim.Sign(testAppID, q.Get("SignatureNonce"), "other", ts))
		}, 100000005},
		{"VersionEmpty", "POST", func(q url.Values) { q.Del("SignatureVersion") }, 100000013},
		{"VersionUnsupported", "POST", func(q url.Values) { q.Set("SignatureVersion", "1.0") }, 100000014},
		{"ActionEmpty", "POST", func(q url.Values) { q.Del("Action") }, 100000006},
		{"ActionUnknown", "POST", func(q url.Values) { q.Set("Action", "DropAllGroups") }, 100000007},
		{"ActionWrongCase", "POST", func(q url.Values) { q.Set("Action", "querygroupinfo") }, 100000007},
		{"WrongMethodGET", "GET", func(url.Values) {}, 100000007},
		{"WrongMethodPUT", "PUT", func(url.Values) {}, 100000007},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := e.signed("QueryGroupInfo")
			tt.edit(q)
			r := e.send(tt.method, q.Encode(), body)
			r.wantCode(tt.code)
			if tt.code != 660600001 && r.Message() == "" {
				t.Fatalf("no Message: %s", r.body)
			}
		})
	}
}

func TestReplayedNonceIsRejected(t *testing.T) {
	e := newEnv(t)
	e.register("admin")
	q := e.signed("QueryAppGroupList").Encode()
	e.send("GET", q, nil).ok()
	e.send("GET", q, nil).wantCode(100000005)
	// The same AppId spelt otherwise is the same app.
	e.send("GET", strings.Replace(q, "AppId=12345", "AppId=012345", 1), nil).wantCode(100000005)
	// Still refused later in the window, with the same signed request.
	e.clock.Advance(9 * time.Minute)
	e.send("GET", q, nil).wantCode(100000005)
	// Once the timestamp itself expires the answer is "expired".
	e.clock.Advance(2 * time.Minute)
	e.send("GET", q, nil).wantCode(100000004)
}

func TestRawBracketArraysInQuery(t *testing.T) {
	e := newEnv(t, noLimits)
	e.register("admin", "o", "a", "b")
	e.group("g", "o", "a", "b")
	// A client writing the brackets unescaped, as the reference shows.
	raw := e.signed("MuteGroupMembers").Encode() + "&FromUserId=o&GroupId=g&UserIds[]=a&UserIds[]=b&Duration=60"
	e.send("GET", raw, nil).ok()
	// Unencoded brackets also work on MuteRoleList.
	raw = e.signed("MuteGroup").Encode() + "&FromUserId=o&GroupId=g&MuteRoleList[]=2&MuteRoleList[]=3&Duration=-1"
	e.send("GET", raw, nil).ok()
	if gi := e.info("g"); len(gi.ForbidList) != 2 || gi.ForbidExpireTime != -1 {
		t.Fatalf("ForbidList %v, ForbidExpireTime %d", gi.ForbidList, gi.ForbidExpireTime)
	}
}

func TestMalformedQuery(t *testing.T) {
	e := newEnv(t)
	r := e.send("GET", e.signed("QueryAppGroupList").Encode()+"&Limit=%zz", nil)
	r.wantCode(660000002)
}

func TestNoServerSecret(t *testing.T) {
	h := zim.NewHandler(nil, zim.Config{AppID: testAppID}, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/?Action=QueryAppGroupList", nil))
	if !strings.Contains(rec.Body.String(), `"Code":100000010`) {
		t.Fatalf("body %s", rec.Body)
	}
}

// A panic inside an Action answers 660000001 and is logged, never a 500.
func TestPanicIsServerError(t *testing.T) {
	c := newClock()
	var logs strings.Builder
	h := zim.NewHandler(nil, zim.Config{AppID: testAppID, ServerSecret: testSecret, Now: c.Now}, slog.New(slog.NewTextHandler(&logs, nil)))
	ts := c.Now().Unix()
	q := url.Values{"Action": {"QueryGroupInfo"}, "AppId": {"12345"}, "SignatureNonce": {"0011223344556677"},
		"Timestamp": {strconv.FormatInt(ts, 10)}, "SignatureVersion": {"2.0"}, "Signature": {zim.Sign(testAppID, "0011223344556677", testSecret, ts)}}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/?"+q.Encode(), strings.NewReader(`{"FromUserId":"a","GroupId":"g"}`)))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"Code":660000001`) {
		t.Fatalf("status %d body %s", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), "nil pointer") || !strings.Contains(logs.String(), "panic") {
		t.Fatalf("body %s, logs %s", rec.Body, logs.String())
	}
}

// A store failure answers 660000001 without the Go error text, and is logged.
func TestInternalErrorDoesNotLeak(t *testing.T) {
	e := newEnv(t)
	e.register("admin")
	e.db.Close()
	r := e.post("QueryGroupInfo", obj{"FromUserId": "admin", "GroupId": "g"}).wantCode(660000001)
	if strings.Contains(strings.ToLower(r.Message()), "sql") || strings.Contains(r.Message(), "closed") {
		t.Fatalf("message leaks: %q", r.Message())
	}
	if !strings.Contains(e.logs.String(), "request failed") {
		t.Fatalf("internal error not logged: %s", e.logs.String())
	}
}

func TestMemoryNonces(t *testing.T) {
	c := newClock()
	mn := zim.NewMemoryNonces(3, c.Now)
	n := struct{ Seen func(string, time.Time) bool }{func(k string, exp time.Time) bool {
		seen, _ := mn.Seen(context.Background(), k, exp)
		return seen
	}}
	exp := c.Now().Add(time.Minute)
	for _, k := range []string{"a", "b", "c"} {
		if n.Seen(k, exp) {
			t.Fatalf("%s seen before", k)
		}
	}
	if !n.Seen("a", exp) {
		t.Fatal("a not remembered")
	}
	// Full: the entry closest to expiry makes room.
	if n.Seen("d", exp.Add(time.Second)) || mn.Len() != 3 {
		t.Fatalf("d: len %d", mn.Len())
	}
	c.Advance(2 * time.Minute)
	if n.Seen("b", c.Now().Add(time.Minute)) {
		t.Fatal("expired b still remembered")
	}
	if mn.Len() != 1 {
		t.Fatalf("len %d after expiry, want 1", mn.Len())
	}
}

func TestMemoryLimiter(t *testing.T) {
	c := newClock()
	if zim.NewMemoryLimiter(0, c.Now) != nil {
		t.Fatal("qps 0 must mean no limiter")
	}
	ml := zim.NewMemoryLimiter(2, c.Now)
	l := struct{ Allow func(string) bool }{func(k string) bool {
		ok, _ := ml.Allow(context.Background(), k)
		return ok
	}}
	if !l.Allow("k") || !l.Allow("k") || l.Allow("k") {
		t.Fatal("want 2 then refuse")
	}
	if !l.Allow("other") {
		t.Fatal("keys share a bucket")
	}
	c.Advance(500 * time.Millisecond)
	if l.Allow("k") {
		t.Fatal("a third request within one second (see limit_test.go)")
	}
	c.Advance(500 * time.Millisecond)
	if !l.Allow("k") || !l.Allow("k") || l.Allow("k") {
		t.Fatal("want 2 again one second after the first 2")
	}
}

func TestBodyTooLarge(t *testing.T) {
	e := newEnv(t, noLimits)
	big := `{"FromUserId":"a","GroupId":"g","Pad":"` + strings.Repeat("x", 2<<20) + `"}`
	e.post("QueryGroupInfo", big).wantCode(660000002)
}
