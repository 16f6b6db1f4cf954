package openim

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestHeaders(t *testing.T) {
	e := newEnv(t)
	body := map[string]any{"userIDs": []string{"x"}}

	t.Run("missing operationID", func(t *testing.T) {
		_, raw := e.do(t, "/user/get_users_info", map[string]string{"operationID": "", "token": e.admin}, body)
		jsonEqual(t, raw, `{"errCode":1001,"errMsg":"ArgsError","errDlt":"header must have operationID: [1001]ArgsError"}`)
	})
	t.Run("missing operationID on a public route", func(t *testing.T) {
		_, raw := e.do(t, "/auth/get_admin_token", map[string]string{"operationID": ""}, map[string]any{"secret": testSecret, "userID": "imAdmin"})
		if !strings.Contains(string(raw), `"errCode":1001`) || !strings.Contains(string(raw), "operationID") {
			t.Fatalf("got %s", raw)
		}
	})
	t.Run("missing token", func(t *testing.T) {
		_, raw := e.do(t, "/user/get_users_info", nil, body)
		jsonEqual(t, raw, `{"errCode":1001,"errMsg":"ArgsError","errDlt":"header must have token"}`)
	})
	t.Run("no Content-Type", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/auth/get_admin_token",
			strings.NewReader(`{"secret":"`+testSecret+`","userID":"imAdmin"}`))
		req.Header.Set("operationID", "1")
		if req.Header.Get("Content-Type") != "" {
			t.Fatal("request has a Content-Type")
		}
		resp, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r reply
		json.NewDecoder(resp.Body).Decode(&r)
		if r.ErrCode != 0 {
			t.Fatalf("got %+v", r)
		}
	})
	t.Run("case-insensitive keys", func(t *testing.T) {
		r := e.ok(t, "/auth/get_admin_token", "", `{"SECRET":"`+testSecret+`","UserId":"imAdmin"}`)
		if !bytes.Contains(r.Data, []byte(`"token":"`)) {
			t.Fatalf("got %s", r.raw)
		}
	})
	t.Run("gzip", func(t *testing.T) {
		// An answer of at least DefaultGzipMinBytes is compressed.
		ids := make([]string, 200)
		for i := range ids {
			ids[i] = "gzip-user-" + strings.Repeat("x", 20) + strconv.Itoa(i)
		}
		e.register(t, ids...)
		resp, raw := e.do(t, "/user/get_users_info", map[string]string{"token": e.admin, "Accept-Encoding": "deflate, gzip;q=0.8"},
			map[string]any{"userIDs": ids})
		if resp.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("Content-Encoding %q", resp.Header.Get("Content-Encoding"))
		}
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		var r struct {
			ErrCode int `json:"errCode"`
			Data    struct {
				UsersInfo []struct {
					UserID string `json:"userID"`
				} `json:"usersInfo"`
			} `json:"data"`
		}
		if err := json.Unmarshal(plain, &r); err != nil || r.ErrCode != 0 || len(r.Data.UsersInfo) != len(ids) || len(plain) < DefaultGzipMinBytes {
			t.Fatalf("err %v, %d bytes: %s", err, len(plain), plain)
		}
	})
	t.Run("small answers go uncompressed", func(t *testing.T) {
		resp, raw := e.do(t, "/user/get_users_info", map[string]string{"token": e.admin, "Accept-Encoding": "gzip"}, body)
		if resp.Header.Get("Content-Encoding") != "" {
			t.Fatalf("Content-Encoding %q", resp.Header.Get("Content-Encoding"))
		}
		jsonEqual(t, raw, `{"errCode":0,"errMsg":"","errDlt":"","data":{"usersInfo":[]}}`)
	})
	t.Run("gzip refused", func(t *testing.T) {
		resp, raw := e.do(t, "/user/get_users_info", map[string]string{"token": e.admin, "Accept-Encoding": "gzip;q=0"}, body)
		if resp.Header.Get("Content-Encoding") != "" || !json.Valid(raw) {
			t.Fatalf("Content-Encoding %q: %s", resp.Header.Get("Content-Encoding"), raw)
		}
	})
	t.Run("no gzip unasked", func(t *testing.T) {
		resp, raw := e.do(t, "/user/get_users_info", map[string]string{"token": e.admin}, body)
		if resp.Header.Get("Content-Encoding") != "" || !json.Valid(raw) {
			t.Fatalf("Content-Encoding %q: %s", resp.Header.Get("Content-Encoding"), raw)
		}
	})
	t.Run("unknown route", func(t *testing.T) {
		resp, _ := e.do(t, "/group/nope", map[string]string{"token": e.admin}, body)
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("HTTP %d", resp.StatusCode)
		}
	})
	t.Run("GET", func(t *testing.T) {
		resp, err := e.client.Get(e.srv.URL + "/group/get_groups_info")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Fatalf("HTTP %d", resp.StatusCode)
		}
	})
}

func TestBadBodies(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name string
		path string
		body string
		dlt  string // a part of errDlt
	}{
		{"malformed", "/group/get_groups_info", `{"groupIDs": [`, "malformed JSON"},
		{"not JSON", "/group/get_groups_info", `groupIDs=1`, "malformed JSON"},
		{"string for list", "/group/get_groups_info", `{"groupIDs": "g1"}`, `field "groupIDs" must be an array, not string`},
		{"number for string", "/group/get_groups_info", `{"groupIDs": [1]}`, `"groupIDs" must be a string, not number`},
		{"string for int", "/group/get_joined_group_list", `{"fromUserID":"u","pagination":{"pageNumber":"1"}}`, `"pagination.pageNumber" must be an integer`},
		{"float for int", "/group/get_joined_group_list", `{"fromUserID":"u","pagination":{"pageNumber":1.5}}`, `"pagination.pageNumber" must be an integer`},
		{"string for bool", "/group/dismiss_group", `{"groupID":"g","deleteMember":"yes"}`, `"deleteMember" must be a boolean`},
		{"array body", "/group/get_groups_info", `[1]`, `request must be an object`},
		{"trailing data", "/group/get_groups_info", `{"groupIDs":["g"]} {}`, "unexpected data"},
		{"wrong type in _ex", "/user/update_user_info_ex", `{"userInfo":{"userID":"u","nickname":7}}`, `"userInfo.nickname"`},
		{"empty list", "/group/get_groups_info", `{}`, "groupID list is empty"},
		{"empty ID", "/group/get_groups_info", `{"groupIDs":[""]}`, "groupID is empty"},
		{"long ID", "/group/get_groups_info", `{"groupIDs":["` + strings.Repeat("x", 65) + `"]}`, "longer than 64"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.fail(t, c.path, e.admin, c.body, codeArgs)
			if !strings.Contains(r.ErrDlt, c.dlt) || !strings.HasSuffix(r.ErrDlt, ": [1001]ArgsError") {
				t.Fatalf("errDlt %q, want it to contain %q", r.ErrDlt, c.dlt)
			}
		})
	}
	t.Run("oversize body", func(t *testing.T) {
		big := `{"groupIDs":["` + strings.Repeat("x", 1<<20) + `"]}`
		r := e.fail(t, "/group/get_groups_info", e.admin, big, codeArgs)
		if !strings.Contains(r.ErrDlt, "larger than 1048576 bytes") {
			t.Fatalf("errDlt %q", r.ErrDlt)
		}
	})
	t.Run("empty body is {}", func(t *testing.T) {
		r := e.fail(t, "/group/get_groups_info", e.admin, "", codeArgs)
		if !strings.Contains(r.ErrDlt, "groupID list is empty") {
			t.Fatalf("errDlt %q", r.ErrDlt)
		}
	})
}

func TestTokenErrors(t *testing.T) {
	e := newEnv(t)
	e.register(t, "alice")
	alice := e.userToken(t, "alice")
	sign := func(key []byte, method jwt.SigningMethod, c Claims) string {
		t.Helper()
		s, err := jwt.NewWithClaims(method, c).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	now := e.clock.Now()
	claims := func(nbf, exp time.Time) Claims {
		return Claims{UserID: "alice", PlatformID: 1, RegisteredClaims: jwt.RegisteredClaims{
			NotBefore: jwt.NewNumericDate(nbf), ExpiresAt: jwt.NewNumericDate(exp), IssuedAt: jwt.NewNumericDate(now)}}
	}
	key := signingKey(testSecret)
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, claims(now, now.Add(time.Hour))).SignedString(jwt.UnsafeAllowNoneSignatureType)
	cases := []struct {
		name  string
		token string
		code  int
	}{
		{"malformed", "abc", codeTokenMalformed},
		{"malformed segments", "a.b.c", codeTokenMalformed},
		{"other key", sign(signingKey("other"), jwt.SigningMethodHS256, claims(now, now.Add(time.Hour))), codeTokenInvalid},
		{"raw secret as key", sign([]byte(testSecret), jwt.SigningMethodHS256, claims(now, now.Add(time.Hour))), codeTokenInvalid},
		{"tampered", alice[:len(alice)-2] + "xx", codeTokenInvalid},
		{"alg none", none, codeTokenInvalid},
		{"HS512", sign(key, jwt.SigningMethodHS512, claims(now, now.Add(time.Hour))), codeTokenInvalid},
		{"expired", sign(key, jwt.SigningMethodHS256, claims(now.Add(-2*time.Hour), now.Add(-time.Hour))), codeTokenExpired},
		{"not valid yet", sign(key, jwt.SigningMethodHS256, claims(now.Add(time.Hour), now.Add(2*time.Hour))), codeTokenNotValidYet},
		{"no expiry", sign(key, jwt.SigningMethodHS256, Claims{UserID: "alice", PlatformID: 1}), codeTokenUnknown},
		{"no user", sign(key, jwt.SigningMethodHS256, Claims{PlatformID: 1, RegisteredClaims: jwt.RegisteredClaims{ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour))}}), codeTokenUnknown},
		{"future generation", sign(key, jwt.SigningMethodHS256, func() Claims { c := claims(now, now.Add(time.Hour)); c.Gen = 9; return c }()), codeTokenNotExist},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.fail(t, "/user/get_users_info", c.token, map[string]any{"userIDs": []string{"alice"}}, c.code)
			e.fail(t, "/auth/parse_token", c.token, nil, c.code)
		})
	}
	t.Run("expires with the clock", func(t *testing.T) {
		e.ok(t, "/auth/parse_token", alice, nil)
		e.clock.Advance(90*24*time.Hour + time.Second)
		r := e.fail(t, "/user/get_users_info", alice, map[string]any{"userIDs": []string{"alice"}}, codeTokenExpired)
		if r.ErrDlt != "token expired: [1501]TokenExpiredError" {
			t.Fatalf("errDlt %q", r.ErrDlt)
		}
	})
}

func TestInternalErrorsDoNotLeak(t *testing.T) {
	e := newEnv(t)
	e.store.Close()
	r := e.fail(t, "/user/get_users_info", e.admin, map[string]any{"userIDs": []string{"alice"}}, codeInternal)
	// A closed store is internal (no detail) or unavailable (a detail
	// made for clients); the Go error's text never shows.
	unavailable := "service temporarily unavailable, please retry (read users: storage unavailable): [500]ServerInternalError"
	if r.ErrDlt != ": [500]ServerInternalError" && r.ErrDlt != unavailable {
		t.Fatalf("errDlt %q", r.ErrDlt)
	}
	if !strings.Contains(e.logs.String(), "level=ERROR") {
		t.Fatalf("internal error not logged: %s", e.logs.String())
	}
}

func TestRequestLog(t *testing.T) {
	e := newEnv(t)
	_, raw := e.do(t, "/group/get_groups_info", map[string]string{"operationID": "op-42", "token": e.admin}, map[string]any{"groupIDs": []string{"x"}})
	if !strings.Contains(string(raw), "1004") {
		t.Fatalf("got %s", raw)
	}
	logs := e.logs.String()
	for _, want := range []string{"operationID=op-42", "path=/group/get_groups_info", "errCode=1004", "method=POST", "duration=", "userID=imAdmin"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, e.admin) || strings.Contains(logs, testSecret) {
		t.Errorf("log holds a token or the secret:\n%s", logs)
	}
}

func TestPanicIsInternalError(t *testing.T) {
	var logs bytes.Buffer
	h := NewHandler(nil, Config{Secret: testSecret}, slog.New(slog.NewTextHandler(&logs, nil)))
	tok, err := (&tokens{key: signingKey(testSecret), ttl: time.Hour, now: time.Now, revoker: NewMemoryRevoker()}).issue(context.Background(), "imAdmin", AdminPlatformID)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/user/get_users_info", strings.NewReader(`{"userIDs":["a"]}`))
	req.Header.Set("operationID", "p1")
	req.Header.Set("token", tok)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req) // the nil service panics inside the endpoint
	jsonEqual(t, rec.Body.Bytes(), `{"errCode":500,"errMsg":"ServerInternalError","errDlt":": [500]ServerInternalError"}`)
	if !strings.Contains(logs.String(), "panic") || !strings.Contains(logs.String(), "operationID=p1") {
		t.Fatalf("panic not logged: %s", logs.String())
	}
}
