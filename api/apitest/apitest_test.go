package apitest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/groupd/groupd/api/apitest"
	"github.com/groupd/groupd/client"
	"github.com/groupd/groupd/internal/testserver"
)

// recT records the errors a check reports instead of failing the test.
type recT struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recT) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recT) Helper() {}

func serve(t *testing.T, rt *recT, body string, status int) string {
	h := apitest.Wrap(rt, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write([]byte(body))
	}))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestWrapCatchesDrift(t *testing.T) {
	for _, c := range []struct {
		name, path, body string
		status           int
		want             string // "" : no error
	}{
		{"good", "/group/get_groups_info", `{"errCode":0,"errMsg":"","errDlt":"","data":{"groupInfos":[]}}`, 200, ""},
		{"an error answer", "/group/get_groups_info", `{"errCode":1004,"errMsg":"RecordNotFoundError","errDlt":": [1004]RecordNotFoundError"}`, 200, ""},
		{"undocumented field", "/group/get_groups_info", `{"errCode":0,"errMsg":"","errDlt":"","data":{"groupInfos":[],"next":1}}`, 200, "answer.data.next"},
		{"wrong type", "/group/get_groups_info", `{"errCode":"0","errMsg":"","errDlt":""}`, 200, "errCode"},
		{"missing field", "/group/get_groups_info", `{"errCode":0,"errMsg":""}`, 200, "errDlt"},
		{"undocumented status", "/group/get_groups_info", `{"errCode":0,"errMsg":"","errDlt":""}`, 418, "418"},
		{"busy is documented", "/group/get_groups_info", `{"errCode":500,"errMsg":"ServerInternalError","errDlt":"server busy"}`, 503, ""},
		{"ZIM", "/?Action=QueryGroupInfo", `{"Code":0,"Message":"success","RequestId":"1","Extra":true}`, 200, "answer.Extra"},
		{"not an API route", "/healthz", `nonsense`, 200, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			rt := &recT{TB: t}
			url := serve(t, rt, c.body, c.status)
			method := http.MethodPost
			if strings.Contains(c.path, "Action=QueryGroupInfo") {
				method = http.MethodPost
			}
			req, _ := http.NewRequest(method, url+c.path, strings.NewReader("{}"))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := strings.Join(rt.errs, "\n")
			switch {
			case c.want == "" && got != "":
				t.Fatalf("unexpected: %s", got)
			case c.want != "" && !strings.Contains(got, c.want):
				t.Fatalf("want an error naming %q, got %q", c.want, got)
			}
		})
	}
}

// TestRealServerConforms: a real server's answers pass, errors included.
func TestRealServerConforms(t *testing.T) {
	srv := testserver.New(t, testserver.Options{})
	h := httptest.NewServer(apitest.Wrap(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// forward to the real server
		r2, _ := http.NewRequest(r.Method, srv.URL+r.URL.RequestURI(), r.Body)
		r2.Header = r.Header
		resp, err := http.DefaultClient.Do(r2)
		if err != nil {
			t.Error(err)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		buf := make([]byte, 1<<20)
		n, _ := resp.Body.Read(buf)
		w.Write(buf[:n])
	})))
	defer h.Close()
	c := client.New(h.URL, client.WithSecret(testserver.Secret))
	ctx := t.Context()
	if err := c.UserRegister(ctx, &client.UserRegisterReq{Users: []client.NewUser{{UserID: "u1", Nickname: "U"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetGroupsInfo(ctx, &client.GroupIDsReq{GroupIDs: []string{"nope"}}); !client.IsCode(err, client.CodeRecordNotFound) {
		t.Fatalf("unknown group: %v", err)
	}
	if _, err := c.CreateGroup(ctx, &client.CreateGroupReq{OwnerUserID: "u1", MemberUserIDs: []string{}, AdminUserIDs: []string{},
		GroupInfo: client.NewGroupInfo{GroupName: "G", GroupType: 2}}); err != nil {
		t.Fatal(err)
	}
}
