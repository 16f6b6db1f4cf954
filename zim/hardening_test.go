package zim_test

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/groupd/groupd/zim"
)

// One signed request sent many times at once is served exactly once: the
// nonce check is atomic.
func TestConcurrentReplayServedOnce(t *testing.T) {
	e := newEnv(t, noLimits)
	e.register("admin", "alice")
	q := e.signed("UserRegister").Encode()
	body := `{"UserInfo":[{"UserId":"racer","UserName":"R"}]}`
	const n = 20
	codes := make([]string, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			resp, err := http.Post(e.srv.URL+"/?"+q, "application/json", strings.NewReader(body))
			if err != nil {
				t.Error(err)
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			codes[i] = string(b)
		}()
	}
	close(start)
	wg.Wait()
	served, replayed := 0, 0
	for _, c := range codes {
		switch {
		case strings.Contains(c, `"Code":0,`):
			served++
		case strings.Contains(c, `"Code":100000005,`):
			replayed++
		default:
			t.Errorf("unexpected answer: %s", c)
		}
	}
	if served != 1 || replayed != n-1 {
		t.Fatalf("%d served, %d refused as replays; want 1 and %d", served, replayed, n-1)
	}
}

// A nonce is spent by its first use, whatever the next request carries:
// another Action, another body, the parameters in another order.
func TestNonceSpentAcrossRequests(t *testing.T) {
	e := newEnv(t, noLimits)
	e.register("admin", "alice")
	q := e.signed("QueryAppGroupList")
	e.send("GET", q.Encode(), nil).ok()
	for _, edit := range []func(url.Values){
		func(q url.Values) { q.Set("Action", "QueryGroupInfo") },
		func(q url.Values) { q.Set("Limit", "1") },
	} {
		q2 := url.Values{}
		for k, v := range q {
			q2[k] = append([]string(nil), v...)
		}
		edit(q2)
		method := "GET"
		if q2.Get("Action") == "QueryGroupInfo" {
			method = "POST"
		}
		e.send(method, q2.Encode(), []byte(`{"FromUserId":"alice","GroupId":"g"}`)).wantCode(zim.CodeSignatureInvalid)
	}
}

// Timestamps are Unix seconds: one in milliseconds, or far in the past or
// future, is refused as expired even with a valid signature.
func TestTimestampUnitsAndRange(t *testing.T) {
	e := newEnv(t, noLimits)
	e.register("admin")
	now := e.clock.Now()
	for name, ts := range map[string]int64{
		"milliseconds": now.UnixMilli(),
		"zero":         0,
		"negative":     -1,
		"max":          1<<63 - 1,
		"min":          -1 << 63,
		"an hour ago":  now.Add(-time.Hour).Unix(),
		"in an hour":   now.Add(time.Hour).Unix(),
	} {
		t.Run(name, func(t *testing.T) {
			q := e.signed("QueryAppGroupList")
			q.Set("Timestamp", strconv.FormatInt(ts, 10))
			q.Set("Signature", zim.Sign(testAppID, q.Get("SignatureNonce"), testSecret, ts))
			e.send("GET", q.Encode(), nil).wantCode(zim.CodeSignatureExpired)
		})
	}
}

// Refused requests write nothing: a bad signature, a stale one or a replay
// of a write never registers the user.
func TestRefusedSignaturesWriteNothing(t *testing.T) {
	e := newEnv(t, noLimits)
	e.register("admin")
	body := []byte(`{"UserInfo":[{"UserId":"sneaky"}]}`)
	bad := e.signed("UserRegister")
	bad.Set("Signature", strings.Repeat("f", 32))
	e.send("POST", bad.Encode(), body).wantCode(zim.CodeSignatureInvalid)
	stale := e.signed("UserRegister")
	ts := e.clock.Now().Add(-11 * time.Minute).Unix()
	stale.Set("Timestamp", strconv.FormatInt(ts, 10))
	stale.Set("Signature", zim.Sign(testAppID, stale.Get("SignatureNonce"), testSecret, ts))
	e.send("POST", stale.Encode(), body).wantCode(zim.CodeSignatureExpired)
	wrongApp := e.signed("UserRegister")
	wrongApp.Set("AppId", "1")
	wrongApp.Set("Signature", zim.Sign(1, wrongApp.Get("SignatureNonce"), testSecret, e.clock.Now().Unix()))
	e.send("POST", wrongApp.Encode(), body).wantCode(zim.CodeAppIDInvalid)
	if ok, _ := e.svc.UserExists(t.Context(), "sneaky"); ok {
		t.Fatal("a refused request registered a user")
	}
	// The same body, signed properly, once; its replay is refused.
	good := e.signed("UserRegister").Encode()
	e.send("POST", good, body).ok()
	e.send("POST", good, []byte(`{"UserInfo":[{"UserId":"sneaky2"}]}`)).wantCode(zim.CodeSignatureInvalid)
	if ok, _ := e.svc.UserExists(t.Context(), "sneaky2"); ok {
		t.Fatal("a replayed nonce registered a user")
	}
}

// A body of the wrong JSON shape is a parameter error that names the
// field or the shape expected, never Go's types.
func TestBodyErrorsShowNoGoTypes(t *testing.T) {
	e := newEnv(t, noLimits)
	e.register("admin")
	for _, body := range []string{`0`, `[]`, `"x"`, `true`, `{"GroupId":5}`, `{"FromUserId":{}}`, `{`, `{"a":1}x`} {
		r := e.send("POST", e.signed("QueryGroupInfo").Encode(), []byte(body))
		r.wantCode(zim.CodeParamError)
		for _, leak := range []string{"Go ", "struct", "json:", "string \""} {
			if strings.Contains(r.Message(), leak) {
				t.Errorf("body %s: message %q shows %q", body, r.Message(), leak)
			}
		}
	}
}
