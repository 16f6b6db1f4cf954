package admin_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/groupd/groupd/admin"
	"github.com/groupd/groupd/client"
	"github.com/groupd/groupd/internal/testserver"
)

// TestRequireAdminToken: the console's own data is served to app admins'
// tokens only, as the OpenIM API judges them.
func TestRequireAdminToken(t *testing.T) {
	srv := testserver.New(t, testserver.Options{})
	srv.Mux.Handle("GET /admin/api/secret", admin.RequireAdminToken(srv.Mux, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok"))
	})))
	ctx := context.Background()
	c := client.New(srv.URL, client.WithSecret(testserver.Secret))
	if err := c.UserRegister(ctx, &client.UserRegisterReq{Users: []client.NewUser{{UserID: "bob"}}}); err != nil {
		t.Fatal(err)
	}
	adminTok, err := c.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	userTok, err := c.GetUserToken(ctx, &client.UserPlatformReq{PlatformID: 1, UserID: "bob"})
	if err != nil {
		t.Fatal(err)
	}
	get := func(token string) int {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/admin/api/secret", nil)
		if token != "" {
			req.Header.Set("token", token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, c := range []struct {
		name, token string
		want        int
	}{{"admin", adminTok, 200}, {"none", "", 401}, {"forged", adminTok + "x", 401}, {"a user's", userTok.Token, 403}} {
		if got := get(c.token); got != c.want {
			t.Errorf("%s token: HTTP %d, want %d", c.name, got, c.want)
		}
	}
	// A force-logged-out admin token is refused too.
	if err := c.ForceLogout(ctx, &client.UserPlatformReq{PlatformID: 10, UserID: "imAdmin"}); err != nil {
		t.Logf("force_logout of the admin platform: %v (skipping that case)", err)
	} else if got := get(adminTok); got != 401 {
		t.Errorf("logged-out admin token: HTTP %d, want 401", got)
	}
}
