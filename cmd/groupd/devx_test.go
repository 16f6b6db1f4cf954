package main

import (
	"bytes"
	"context"
	"errors"

	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/groupd/groupd/api"
	"github.com/groupd/groupd/client"
	"github.com/groupd/groupd/client/zim"
)

func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// TestDevXRoutes: the spec, the metrics and the admin page are mounted;
// pprof is on its own address only; both dialects log each request with
// its ID.
func TestDevXRoutes(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.Secret = "devx-secret-0123456789"
	cfg.PprofAddr = "127.0.0.1:0"
	cfg.ZIMAppID, cfg.ZIMServerSecret = 7, "zim-secret"
	var logs syncBuffer
	m := start(t, cfg, &logs)
	base := "http://" + m.Addr()

	code, h, body := get(t, base+"/openapi.json")
	if code != 200 || h.Get("Content-Type") != "application/json" || body != string(api.Spec()) {
		t.Fatalf("GET /openapi.json: %d %s", code, h.Get("Content-Type"))
	}
	code, _, body = get(t, base+"/admin/")
	if code != 200 || !strings.Contains(body, "groupd admin") {
		t.Fatalf("GET /admin/: %d", code)
	}

	ctx := client.WithOperationID(context.Background(), "devx-op-1")
	c := client.New(base, client.WithSecret(cfg.Secret))
	if err := c.UserRegister(ctx, &client.UserRegisterReq{Users: []client.NewUser{{UserID: "alice"}}}); err != nil {
		t.Fatal(err)
	}
	z := &zim.Client{Base: base, Signer: zim.Signer{AppID: 7, ServerSecret: "zim-secret"}}
	var q zim.QueryGroupInfoResp
	err := z.Do(context.Background(), "QueryGroupInfo", nil, zim.GroupRef{FromUserID: "alice", GroupID: "none"}, &q)
	var ze *zim.Error
	if !errors.As(err, &ze) || ze.Code != 660600001 {
		t.Fatalf("QueryGroupInfo of a missing group: %v", err)
	}

	code, _, body = get(t, base+"/metrics")
	for _, want := range []string{
		`groupd_requests_total{code="0",dialect="openim",route="/user/user_register"} 1`,
		`groupd_requests_total{code="660600001",dialect="zim",route="QueryGroupInfo"} 1`,
		`groupd_store_duration_seconds_count{method="Write",result="ok"}`,
	} {
		if code != 200 || !strings.Contains(body, want) {
			t.Fatalf("GET /metrics: %d, no %s", code, want)
		}
	}

	// Request logs carry the operationID and the ZIM RequestId.
	if l := logs.String(); !strings.Contains(l, "operationID=devx-op-1") || !strings.Contains(l, "request_id="+ze.RequestID) {
		t.Fatalf("request logs lack the operationID or RequestId:\n%s", l)
	}

	// pprof answers on its address, not on the API's.
	if m.PprofAddr() == "" {
		t.Fatal("no pprof address")
	}
	code, _, body = get(t, "http://"+m.PprofAddr()+"/debug/pprof/")
	if code != 200 || !strings.Contains(body, "goroutine") {
		t.Fatalf("pprof index: %d", code)
	}
	if code, _, _ = get(t, base+"/debug/pprof/"); code == 200 {
		t.Fatal("pprof is served on the API address")
	}
}

func TestPprofOffByDefault(t *testing.T) {
	m := start(t, testConfig(t, t.TempDir()), io.Discard)
	if m.PprofAddr() != "" {
		t.Fatal("pprof on without --pprof-addr")
	}
}

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"--version"}, func(string) string { return "" }, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "groupd ") || !strings.Contains(out.String(), "go1.") {
		t.Fatalf("--version printed %q", out.String())
	}
	old := version
	version = "v9.9.9"
	defer func() { version = old }()
	out.Reset()
	run(context.Background(), []string{"--data", "x", "--version"}, func(string) string { return "" }, &out)
	if out.String() != "groupd v9.9.9\n" {
		t.Fatalf("--version with -X main.version: %q", out.String())
	}
}
