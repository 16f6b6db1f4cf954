package metrics_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/groupd/groupd/client"
	"github.com/groupd/groupd/client/zim"
	"github.com/groupd/groupd/internal/testserver"
	"github.com/groupd/groupd/metrics"
)

func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET /metrics: %d", resp.StatusCode)
	}
	return string(b)
}

// value returns the value of the sample whose line starts with prefix.
func value(t *testing.T, text, prefix string) float64 {
	t.Helper()
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(prefix) + ` (\S+)$`)
	m := re.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no sample %s in:\n%s", prefix, grepLines(text, "groupd_"))
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

func grepLines(text, sub string) string {
	var out []string
	for l := range strings.SplitSeq(text, "\n") {
		if strings.Contains(l, sub) && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestMetricsOfBothDialectsAndTheStore(t *testing.T) {
	m := metrics.New()
	srv := testserver.New(t, testserver.Options{Wrap: m.Middleware, WrapStore: m.InstrumentStore, ZIMQPS: 1, ZIMGroupQPS: 1})
	srv.Mux.Handle("GET /metrics", m.Handler())
	ctx := context.Background()

	c := client.New(srv.URL, client.WithSecret(testserver.Secret))
	if err := c.UserRegister(ctx, &client.UserRegisterReq{Users: []client.NewUser{{UserID: "alice"}, {UserID: "bob"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateGroup(ctx, &client.CreateGroupReq{OwnerUserID: "alice", MemberUserIDs: []string{"bob"},
		GroupInfo: client.NewGroupInfo{GroupID: "g1", GroupType: 2}}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		c.GetGroupsInfo(ctx, &client.GroupIDsReq{GroupIDs: []string{"nope"}}) // 1004
	}

	z := &zim.Client{Base: srv.URL, Signer: zim.Signer{AppID: testserver.ZIMAppID, ServerSecret: testserver.ZIMServerSecret}}
	body := map[string]any{"FromUserId": "alice", "GroupId": "g1"}
	if err := z.Do(ctx, "QueryGroupInfo", nil, body, nil); err != nil {
		t.Fatal(err)
	}
	// 1 request per second per AppID and Action: the next one is refused.
	var ze *zim.Error
	if err := z.Do(ctx, "QueryGroupInfo", nil, body, nil); !errors.As(err, &ze) || ze.Code != 660300005 {
		t.Fatalf("second QueryGroupInfo: %v", err)
	}
	z.Do(ctx, "NoSuchAction", nil, body, nil)
	http.Get(srv.URL + "/healthz")

	text := scrape(t, srv.URL)
	for prefix, want := range map[string]float64{
		`groupd_requests_total{code="0",dialect="openim",route="/group/create_group"}`:           1,
		`groupd_requests_total{code="1004",dialect="openim",route="/group/get_groups_info"}`:     2,
		`groupd_requests_total{code="0",dialect="openim",route="/auth/get_admin_token"}`:         1,
		`groupd_requests_total{code="0",dialect="zim",route="QueryGroupInfo"}`:                   1,
		`groupd_requests_total{code="660300005",dialect="zim",route="QueryGroupInfo"}`:           1,
		`groupd_requests_total{code="100000007",dialect="zim",route="other"}`:                    1,
		`groupd_requests_total{code="404",dialect="http",route="/healthz"}`:                      1,
		`groupd_rate_limited_total{code="660300005",dialect="zim",route="QueryGroupInfo"}`:       1,
		`groupd_request_duration_seconds_count{dialect="openim",route="/group/get_groups_info"}`: 2,
		`groupd_store_duration_seconds_count{method="Write",result="ok"}`:                        2,
		`groupd_store_duration_seconds_count{method="tx.InsertGroup",result="ok"}`:               1,
	} {
		if got := value(t, text, prefix); got != want {
			t.Errorf("%s = %v, want %v", prefix, got, want)
		}
	}
	if value(t, text, `groupd_store_duration_seconds_count{method="GetGroups",result="ok"}`) < 2 {
		t.Error("GetGroups not timed")
	}
	if !strings.Contains(text, "go_goroutines") || !strings.Contains(text, "groupd_requests_in_flight") {
		t.Error("runtime or in-flight metrics missing")
	}
}

func TestCacheHook(t *testing.T) {
	m := metrics.New()
	m.ObserveCache("groups", true)
	m.ObserveCache("groups", true)
	m.ObserveCache("groups", false)
	srv := testserver.New(t, testserver.Options{})
	srv.Mux.Handle("GET /metrics", m.Handler())
	text := scrape(t, srv.URL)
	if value(t, text, `groupd_cache_requests_total{cache="groups",result="hit"}`) != 2 ||
		value(t, text, `groupd_cache_requests_total{cache="groups",result="miss"}`) != 1 {
		t.Fatal(grepLines(text, "cache"))
	}
}
